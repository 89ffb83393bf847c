"""The org's catalog of notification topics, and which of them reach EventBridge.

Genesys publishes every topic an org can subscribe to at ``GET
/api/v2/notifications/availabletopics`` (SDK: ``NotificationsApi``'s
``get_notifications_availabletopics``, an ``AvailableTopicEntityListing`` of
``AvailableTopic``). Each topic lists the ``transports`` that deliver its events. The values
are unverified: Genesys' generated SDKs know ``All``, ``Websocket``, ``EventBridge`` and
``ProcessAutomation``; iac takes ``All`` and any value naming EventBridge as delivered, the
other known ones as not, and anything else as unknown (the caller warns rather than refuses).

SDK-free: the caller passes its call path (``calls.CallRunner.call``) and the SDK's
``NotificationsApi`` in, and the models are read duck-typed, as ``convert.py`` does.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from iac.genesys.errors import GenesysApiError

CALL = "GET /api/v2/notifications/availabletopics"
# Asked for explicitly: a bare GET may leave them out (the sandbox does).
EXPAND = ["description", "transports", "visibility"]
PLACEHOLDER = "{id}"

# Transport values known not to be EventBridge (compared lower-case, letters and digits only).
_OTHER_TRANSPORTS = frozenset({"websocket", "processautomation"})


class Delivery(str, Enum):
    """Whether Genesys delivers a topic's events to an EventBridge integration."""

    EVENTBRIDGE = "eventbridge"  # "All", or a transport naming EventBridge
    OTHER = "other"  # only transports iac knows are not EventBridge
    UNKNOWN = "unknown"  # a transport iac does not know, or none given


def _normal(transport: str) -> str:
    return re.sub(r"[^a-z0-9]", "", transport.lower())


@dataclass(frozen=True)
class CatalogTopic:
    id: str
    description: str = ""
    # None: the catalog did not say.
    transports: tuple[str, ...] | None = None
    visibility: str | None = None  # "Public" or "Preview"

    @property
    def preview(self) -> bool:
        return (self.visibility or "").lower() == "preview"

    @property
    def delivery(self) -> Delivery:
        if not self.transports:
            return Delivery.UNKNOWN
        normal = [_normal(t) for t in self.transports]
        if any(n == "all" or "eventbridge" in n for n in normal):
            return Delivery.EVENTBRIDGE
        return Delivery.OTHER if all(n in _OTHER_TRANSPORTS for n in normal) else Delivery.UNKNOWN

    @property
    def unknown_transports(self) -> tuple[str, ...]:
        """The transport values iac does not know (when none of them is EventBridge)."""
        if self.delivery is not Delivery.UNKNOWN:
            return ()
        return tuple(t for t in self.transports or () if _normal(t) not in _OTHER_TRANSPORTS)


@dataclass(frozen=True)
class TopicCatalog:
    topics: tuple[CatalogTopic, ...]
    _by_id: dict[str, CatalogTopic] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {t.id: t for t in self.topics})

    def find(self, topic: str) -> CatalogTopic | None:
        """The catalog's entry for ``topic``: the same name, or the name with a concrete
        value where the catalog has ``{id}`` (``v2.users.8f2e....presence``)."""
        if (found := self._by_id.get(topic)) is not None:
            return found
        parts = topic.split(".")
        for candidate in self.topics:
            pattern = candidate.id.split(".")
            if len(pattern) == len(parts) and all(
                p == s or (p == PLACEHOLDER and s != PLACEHOLDER)
                for p, s in zip(pattern, parts, strict=True)
            ):
                return candidate
        return None

    def suggestion(self, topic: str) -> str | None:
        """The catalog topic closest to a name it does not have, preferring those delivered
        over EventBridge; None when nothing is close."""
        for pool in (self.eventbridge(), self.topics):
            close = difflib.get_close_matches(topic, [t.id for t in pool], n=1, cutoff=0.75)
            if close:
                return close[0]
        return None

    def eventbridge(self) -> tuple[CatalogTopic, ...]:
        """The topics EventBridge may carry: delivered, or with transports iac cannot tell."""
        return tuple(t for t in self.topics if t.delivery is not Delivery.OTHER)

    def search(self, text: str | None) -> tuple[CatalogTopic, ...]:
        """``eventbridge()`` topics whose name or description holds every word of ``text``
        (any case), sorted by name."""
        words = (text or "").lower().split()
        found = [
            t
            for t in self.eventbridge()
            if all(w in f"{t.id}\n{t.description}".lower() for w in words)
        ]
        return tuple(sorted(found, key=lambda t: t.id))


@dataclass(frozen=True)
class CatalogUnavailable:
    """The catalog could not be read (e.g. 403): topics are not checked against it."""

    reason: str


async def read_catalog(call: Callable[..., Awaitable[Any]], notifications_api: Any) -> TopicCatalog:
    """The org's catalog, Preview topics included (they are warned about, not unknown).

    ``call`` is ``CallRunner.call``; the API is the SDK's ``NotificationsApi``.
    """
    listing = await call(
        CALL,
        notifications_api.get_notifications_availabletopics,
        expand=EXPAND,
        include_preview=True,
    )
    return catalog_from(getattr(listing, "entities", None) or ())


def catalog_from(entities: Iterable[Any]) -> TopicCatalog:
    """The catalog from the SDK's ``AvailableTopic`` models (entries without an id skipped)."""
    topics = []
    for entity in entities:
        topic_id = getattr(entity, "id", None)
        if not topic_id:
            continue
        transports = getattr(entity, "transports", None)
        topics.append(
            CatalogTopic(
                id=str(topic_id),
                description=" ".join(str(getattr(entity, "description", None) or "").split()),
                transports=None if transports is None else tuple(str(t) for t in transports),
                visibility=getattr(entity, "visibility", None),
            )
        )
    return TopicCatalog(tuple(topics))


def unavailable(err: GenesysApiError) -> CatalogUnavailable:
    """Why the catalog could not be read, with what Genesys said was missing."""
    said = err.message or "no message"
    reason = f"{CALL} answered HTTP {err.status}: {said}"
    if err.status == 403:
        reason += (
            " (Genesys documents no permission for this call: an OAuth client restricted to "
            "some scopes needs the 'notifications' scope)"
        )
    return CatalogUnavailable(reason)
