"""The Genesys Cloud API routes the sandbox serves, after auth and rate limiting."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from iac.sandbox import eventbridge, topics, views
from iac.sandbox.behaviour import Behaviour, BehaviourSetting
from iac.sandbox.body import parse_object, query_int
from iac.sandbox.errors import ApiError, bad_request, invalid_value, not_found
from iac.sandbox.grants import NOTIFICATION_SCOPES, Grants
from iac.sandbox.org import OrgStore
from iac.sandbox.reply import Reply

MAX_PAGE_SIZE = 100


@dataclass
class ApiRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    body: bytes
    params: dict[str, str]


Handler = Callable[["Api", ApiRequest], Reply]


class Api:
    def __init__(
        self, store: OrgStore, behaviour: BehaviourSetting, grants: Grants, client_id: str
    ) -> None:
        self.store = store
        self.behaviour = behaviour
        self.grants = grants
        self.client_id = client_id

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> Reply:
        for pattern, handlers in _ROUTES:
            found = pattern.fullmatch(path)
            if found is None:
                continue
            handler = handlers.get(method)
            if handler is None:
                break  # Genesys answers an unmapped method like an unknown resource
            try:
                if path.startswith(_INTEGRATIONS):
                    # scope, then permission, before the body or the id is looked at
                    self.grants.check_integrations(method)
                return handler(self, ApiRequest(method, path, query, body, found.groupdict()))
            except ApiError as err:
                return Reply.from_error(err)
        return Reply.from_error(not_found(f"Resource {method} {path}"))

    # -- integrations ------------------------------------------------------------------

    def list_integrations(self, req: ApiRequest) -> Reply:
        page_size = query_int(req.query, "pageSize", 25)
        page_number = query_int(req.query, "pageNumber", 1)
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise bad_request("pageSize must be between 1 and {max}.", {"max": str(MAX_PAGE_SIZE)})
        if page_number < 1:
            raise bad_request("pageNumber must be 1 or more.")
        filters: dict[str, str] = {}
        type_ids = req.query.get("integrationType")
        type_id = type_ids[-1] if type_ids else None
        if type_id:
            filters["integrationType"] = type_id
        behaviour = self.behaviour.current
        expand = _expands(behaviour, req)
        if expand:
            filters["expand"] = "config.current"
        recs, total = self.store.integration_page(type_id, page_number, page_size)
        listing = views.listing_json(recs, total, page_size, page_number, filters, expand)
        # ASSUMPTION (omit_list_fields, default none): every page carries the whole envelope,
        # pageCount and nextUri included. CX as Code does not trust pageCount (it pages until
        # an empty page). Settled by: GET /api/v2/integrations on a real org holding more than
        # one page, reading every envelope key of each page.
        for key in behaviour.omit_list_fields:
            listing.pop(key, None)
        return Reply.ok(listing)

    def create_integration(self, req: ApiRequest) -> Reply:
        doc = parse_object(req.body)
        itype = doc.get("integrationType")
        if not isinstance(itype, dict) or not isinstance(itype.get("id"), str):
            raise bad_request("integrationType.id is required.")
        name = doc.get("name")
        if name is not None and not isinstance(name, str):
            raise invalid_value("name must be a string.")
        rec = self.store.create(itype["id"], name=name)
        return Reply.ok(views.integration_json(rec))

    def get_integration(self, req: ApiRequest) -> Reply:
        rec = self.store.integration(req.params["id"])
        return Reply.ok(views.integration_json(rec, _expands(self.behaviour.current, req)))

    def patch_integration(self, req: ApiRequest) -> Reply:
        doc = parse_object(req.body)
        if "intendedState" not in doc:
            raise bad_request("intendedState is required.")
        rec = self.store.set_intended_state(req.params["id"], doc["intendedState"])
        return Reply.ok(views.integration_json(rec))

    def delete_integration(self, req: ApiRequest) -> Reply:
        return Reply.ok(views.integration_json(self.store.delete(req.params["id"])))

    def get_config(self, req: ApiRequest) -> Reply:
        return Reply.ok(views.config_json(self.store.integration(req.params["id"])))

    def put_config(self, req: ApiRequest) -> Reply:
        rec = self.store.put_config(req.params["id"], parse_object(req.body))
        return Reply.ok(views.config_json(rec))

    # -- types and org -----------------------------------------------------------------

    def get_type(self, req: ApiRequest) -> Reply:
        _known_type(req.params["type"])
        return Reply.ok(eventbridge.type_detail(self.behaviour.current.max_instances))

    def get_config_schema(self, req: ApiRequest) -> Reply:
        _known_type(req.params["type"])
        schemas = {
            "properties": eventbridge.properties_schema,
            "advanced": eventbridge.advanced_schema,
        }
        schema = schemas.get(req.params["config_type"])
        if schema is None:
            raise not_found(f"Config schema {req.params['config_type']}")
        return Reply.ok(schema())

    def get_org(self, req: ApiRequest) -> Reply:
        return Reply.ok(views.organization_json(self.store.org_id, self.store.org_name))

    # -- notifications -----------------------------------------------------------------

    def get_available_topics(self, req: ApiRequest) -> Reply:
        self.grants.check_scope(NOTIFICATION_SCOPES)  # no permission needed: any role may
        return Reply.ok(topics.available_topics(req.query))

    # -- who am I (any valid token; no scope or permission needed) ---------------------

    def get_token_me(self, req: ApiRequest) -> Reply:
        return Reply.ok(
            views.token_info_json(
                self.store.org_id, self.store.org_name, self.client_id, self.grants
            )
        )

    def get_subject_me(self, req: ApiRequest) -> Reply:
        full_roles = (req.query.get("includeFullRoles") or ["false"])[-1].lower() == "true"
        return Reply.ok(
            views.subject_json(self.store.org_id, self.client_id, self.grants, full_roles)
        )


def _expands(behaviour: Behaviour, req: ApiRequest) -> bool:
    """Whether to inline config.current, as asked and as the behaviour allows.

    ASSUMPTION (expand_honoured, default true): list and GET by id inline the config when
    asked with expand=config.current; when false both ignore it. Settled by: GET
    /api/v2/integrations?expand=config.current and GET .../{id}?expand=config.current
    against a real org, looking for "config".
    """
    return behaviour.expand_honoured and "config.current" in req.query.get("expand", [])


def _known_type(type_id: str) -> None:
    if type_id != eventbridge.TYPE_ID:
        raise not_found(f"Integration type {type_id}")


_INTEGRATIONS = "/api/v2/integrations"
_ID = r"(?P<id>[^/]+)"
_ROUTES: list[tuple[re.Pattern[str], dict[str, Handler]]] = [
    (
        re.compile(r"/api/v2/integrations"),
        {"GET": Api.list_integrations, "POST": Api.create_integration},
    ),
    (re.compile(r"/api/v2/integrations/types/(?P<type>[^/]+)"), {"GET": Api.get_type}),
    (
        re.compile(
            r"/api/v2/integrations/types/(?P<type>[^/]+)/configschemas/(?P<config_type>[^/]+)"
        ),
        {"GET": Api.get_config_schema},
    ),
    (
        re.compile(rf"/api/v2/integrations/{_ID}"),
        {
            "GET": Api.get_integration,
            "PATCH": Api.patch_integration,
            "DELETE": Api.delete_integration,
        },
    ),
    (
        re.compile(rf"/api/v2/integrations/{_ID}/config/current"),
        {"GET": Api.get_config, "PUT": Api.put_config},
    ),
    (re.compile(r"/api/v2/organizations/me"), {"GET": Api.get_org}),
    (re.compile(r"/api/v2/notifications/availabletopics"), {"GET": Api.get_available_topics}),
    (re.compile(r"/api/v2/tokens/me"), {"GET": Api.get_token_me}),
    (re.compile(r"/api/v2/authorization/subjects/me"), {"GET": Api.get_subject_me}),
]
