"""The SDK's ``ApiClient``, with the answers we read in bulk decoded by ``wire``.

The SDK still builds every request (auth, URL, parameters, bodies) and deserialises every
other answer; only the response types in ``wire.DECODERS`` skip its ``eval``-based
deserialiser. ``tests/genesys/test_sdk_loading.py`` checks that the SDK still calls
``deserialize`` with those type names: if a release stops doing so, its own models come
back instead, which the callers read just the same.
"""

from __future__ import annotations

import json
from typing import Any

from iac.genesys import wire
from iac.genesys.errors import GenesysApiError
from iac.genesys.sdk import ApiClient


class DecodingApiClient(ApiClient):
    def deserialize(self, response: Any, response_type: Any) -> Any:
        decode = wire.DECODERS.get(response_type) if isinstance(response_type, str) else None
        if decode is None:
            return super().deserialize(response, response_type)
        text = response.data
        if not text or not text.strip():
            return None  # as the SDK: an empty answer is no object
        try:
            return decode(json.loads(text))
        except ValueError as err:  # not JSON, or not the shape of a response_type
            call = getattr(response, "request_line", None) or "a Genesys call"
            raise GenesysApiError(
                call,
                f"HTTP {response.status}: the answer is not a valid {response_type} ({err})",
                status=response.status,
            ) from None
