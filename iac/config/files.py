"""Reading a configuration, variable or policy file: at most MAX_FILE_BYTES of UTF-8 text."""

from __future__ import annotations

from pathlib import Path

from iac.config.limits import MAX_FILE_BYTES, number


class FileProblem(Exception):
    """The file cannot be used as text; ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def read_text(path: Path, what: str = "file") -> str:
    """The file's text with newlines as ``\\n`` (like ``Path.read_text``), never more than
    MAX_FILE_BYTES read; ``what`` names the file in messages ("file", "variable file")."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise FileProblem(1, f"cannot read {what}: {err.strerror or err}") from None
    if len(data) > MAX_FILE_BYTES:
        raise FileProblem(
            1,
            f"{what} is larger than {number(MAX_FILE_BYTES)} bytes (1 MiB), far more than any"
            " configuration needs; is it the right file?",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        hint = " (saved as UTF-16?)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise FileProblem(line, f"{what} is not valid UTF-8 text{hint}") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")
