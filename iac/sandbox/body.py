"""Decoding request bodies and query strings the way the Genesys gateway does."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from iac.sandbox.errors import bad_request


def parse_json(raw: bytes) -> Any:
    """The JSON document of a request body; a malformed or empty body is a 400."""
    if not raw.strip():
        raise bad_request("The request body is missing or empty.")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise bad_request(
            "The request body could not be parsed as JSON: {reason}", {"reason": str(exc)}
        ) from exc


def parse_object(raw: bytes) -> dict[str, Any]:
    doc = parse_json(raw)
    if not isinstance(doc, dict):
        raise bad_request("The request body must be a JSON object.")
    return doc


def parse_query(query: str) -> dict[str, list[str]]:
    """Query values per name; comma lists are split because the SDK joins lists with ','."""
    out: dict[str, list[str]] = {}
    for name, values in parse_qs(query, keep_blank_values=True).items():
        out[name] = [part for value in values for part in value.split(",") if part != ""]
    return out


def query_int(query: dict[str, list[str]], name: str, default: int) -> int:
    values = query.get(name)
    if not values:
        return default
    try:
        return int(values[-1])
    except ValueError as exc:
        raise bad_request("Query parameter {name} must be an integer.", {"name": name}) from exc
