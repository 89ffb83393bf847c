"""Sandbox-only control paths under /__sandbox/: no auth, never rate limited.

- ``GET|PUT|POST|DELETE /__sandbox/faults``: list, replace, append, clear fault rules.
- ``GET|DELETE /__sandbox/requests``: the log of API calls handled (method, path, status).
- ``GET /__sandbox/org``: the raw org data.
- ``GET|PUT /__sandbox/activation``: ``{"delay": seconds, "failures": [{"event_source_suffix":
  glob, "message": text}]}``; what enabling an integration leads to.
- ``DELETE /__sandbox/tokens``: revoke every token (the next API call is a 401).
- ``PATCH /__sandbox/integrations/{id}``: an out-of-band edit (drift), as in the Genesys UI.
- ``POST /__sandbox/integrations`` ``{"typeId": ...}``: seed an integration of another type (real
  orgs hold many); the API lists and serves it but clients must leave it alone.
- ``GET|PUT /__sandbox/grants``: ``{"scopes": [...], "permissions": [...]}``, the OAuth
  scopes (``[]``: not scope-restricted) and role permissions (``domain:entity:action``,
  ``*`` for any one segment) of the sandbox client. A PUT may carry either key and replaces
  that list as a whole; it applies at once, to tokens already issued too.
- ``GET|PUT /__sandbox/behaviour``: the modes for unverified API behaviour (see
  ``behaviour.py``). A PUT replaces the whole object (absent keys: defaults; ``{}`` resets)
  and answers the result; a bad one is a 400 that changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from iac.sandbox import faults as faults_mod
from iac.sandbox import views
from iac.sandbox.activation import ActivationPolicy
from iac.sandbox.behaviour import BehaviourSetting
from iac.sandbox.body import parse_json, parse_object
from iac.sandbox.errors import ApiError, bad_request, not_found
from iac.sandbox.faults import FaultBook
from iac.sandbox.grants import Grants
from iac.sandbox.org import OrgStore
from iac.sandbox.reply import Reply
from iac.sandbox.requestlog import RequestLog
from iac.sandbox.tokens import TokenStore

PREFIX = "/__sandbox/"
_INTEGRATION = re.compile(r"/__sandbox/integrations/(?P<id>[^/]+)")


@dataclass
class Admin:
    store: OrgStore
    faults: FaultBook
    requests: RequestLog
    activation: ActivationPolicy
    tokens: TokenStore
    grants: Grants
    behaviour: BehaviourSetting

    def handle(self, method: str, path: str, body: bytes) -> Reply:
        try:
            return self._route(method, path, body)
        except ApiError as err:
            return Reply.from_error(err)

    def _route(self, method: str, path: str, body: bytes) -> Reply:
        key = (method, path)
        if path == "/__sandbox/faults":
            if method == "PUT":
                self.faults.replace(faults_mod.parse_rules(parse_json(body)))
            elif method == "POST":
                self.faults.append(faults_mod.parse_rule(parse_json(body)))
            elif method == "DELETE":
                self.faults.replace([])
            elif method != "GET":
                raise not_found(f"Sandbox path {method} {path}")
            return Reply.ok(self.faults.to_json())
        if key == ("GET", "/__sandbox/requests"):
            return Reply.ok(self.requests.to_json())
        if key == ("DELETE", "/__sandbox/requests"):
            self.requests.clear()
            return Reply.ok([])
        if key == ("GET", "/__sandbox/org"):
            return Reply.ok(self.store.snapshot())
        if key == ("GET", "/__sandbox/activation"):
            return Reply.ok(self.activation.to_json())
        if key == ("PUT", "/__sandbox/activation"):
            self.activation.update(parse_object(body))
            return Reply.ok(self.activation.to_json())
        if key == ("GET", "/__sandbox/grants"):
            return Reply.ok(self.grants.to_json())
        if key == ("PUT", "/__sandbox/grants"):
            self.grants.update(parse_object(body))
            return Reply.ok(self.grants.to_json())
        if key == ("GET", "/__sandbox/behaviour"):
            return Reply.ok(self.behaviour.current.to_json())
        if key == ("PUT", "/__sandbox/behaviour"):
            return Reply.ok(self.behaviour.replace(parse_json(body)).to_json())
        if key == ("DELETE", "/__sandbox/tokens"):
            return Reply.ok({"revoked": self.tokens.revoke_all()})
        if key == ("POST", "/__sandbox/integrations"):
            doc = parse_object(body)
            type_id = doc.get("typeId")
            if not isinstance(type_id, str) or not type_id:
                raise bad_request("typeId is required.")
            rec = self.store.create(type_id, seeded=True)
            return Reply.ok(views.integration_json(rec, expand_config=True))
        found = _INTEGRATION.fullmatch(path)
        if found and method == "PATCH":
            rec = self.store.admin_edit(found["id"], parse_object(body))
            return Reply.ok(views.integration_json(rec, expand_config=True))
        raise not_found(f"Sandbox path {method} {path}")
