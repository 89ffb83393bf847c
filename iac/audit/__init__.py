"""The tamper-evident audit trail: one hash-chained JSON line per change attempt, appended
to ``<state-dir>/<workspace>.audit.jsonl`` (or, with a PostgreSQL backend, to its table).

- ``log``: ``AuditLog.append`` writes records (``AuditRecord``), secret-named fields redacted.
- ``chain``: canonical encoding, hashes and ``verify`` (names the first bad line).
- ``query``: filtered reads for ``iac audit show``.
- ``table``: the same lines in PostgreSQL (loads psycopg: imported only for a backend URL).
- the ``iac audit`` commands live with the other commands, in ``iac.cli.audit``.
"""

from iac.audit.actor import detect_actor
from iac.audit.chain import GENESIS_HASH, VerifyReport, verify
from iac.audit.log import AuditLog, AuditRecord, AuditTrail
from iac.audit.query import query

__all__ = [
    "GENESIS_HASH",
    "AuditLog",
    "AuditRecord",
    "AuditTrail",
    "VerifyReport",
    "detect_actor",
    "query",
    "verify",
]
