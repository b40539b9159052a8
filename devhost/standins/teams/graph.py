"""A local stand-in for the one Microsoft Graph call the app makes for Teams: `checkMemberGroups`.

`POST /v1.0/users/{id}/checkMemberGroups` with `{"groupIds": [...]}` (at most 20) answers 200 with the IDs, among
those asked, of the groups the user is a member of - transitively, through nested groups (Microsoft Graph
reference, "directoryObject: checkMemberGroups"). A user Graph does not know is 404 `Request_ResourceNotFound`;
more than 20 groups, or a body without `groupIds`, is 400 `Request_BadRequest`; a request without the stand-in's
token is 401 `InvalidAuthenticationToken`. Every request is recorded with its token (`records_tokens`).

Memberships are set with `add_member(user, group)` and nesting with `nest(group, inside)` (or the control endpoints
`POST /_standin/members` `{"<user>": ["<group>", ...]}` and `POST /_standin/nesting` `{"<group>": ["<parent>"]}`).
IDs are compared in lower case, as Entra's GUIDs are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from devhost.standins.server import Control, ErrorCodes, Reply, StandInRequest, StandInServer, json_reply

DEFAULT_TOKEN = "local-graph-token"  # noqa: S105 - a fixed token only the local stand-in accepts
MAX_GROUPS = 20
_CHECK = re.compile(r"/v1\.0/users/(?P<user>[^/]+)/checkMemberGroups\Z")


class GraphStandIn(StandInServer):
    """`with GraphStandIn() as graph:` - point TEAMS_GRAPH_BASE_URL at `base_url`."""

    title = "Microsoft Graph stand-in"
    records_tokens = True
    max_body_bytes = 64 * 1024
    error_codes = ErrorCodes("Request_BadRequest", "Request_ResourceNotFound", "Request_BadRequest", "generalException")

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, token: str | None = DEFAULT_TOKEN) -> None:
        super().__init__(host, port, token=token)
        self._members: dict[str, set[str]] = {}
        self._parents: dict[str, set[str]] = {}

    def add_member(self, user: str, group: str) -> None:
        with self._lock:
            self._members.setdefault(user.lower(), set()).add(group.lower())

    def nest(self, group: str, inside: str) -> None:
        """`group` becomes a member of `inside` (so `group`'s members are `inside`'s, transitively)."""
        with self._lock:
            self._parents.setdefault(group.lower(), set()).add(inside.lower())

    def _groups_of(self, user: str) -> set[str] | None:
        with self._lock:
            direct = self._members.get(user)
            if direct is None:
                return None
            seen, todo = set(direct), list(direct)
            while todo:
                for parent in self._parents.get(todo.pop(), set()) - seen:
                    seen.add(parent)
                    todo.append(parent)
            return seen

    def answer(self, request: StandInRequest) -> Reply:
        found = _CHECK.match(request.path)
        if request.method != "POST" or found is None:
            return self.error_reply(400, "Request_BadRequest", f"Unsupported request: {request.method} {request.path}")
        if self.token is not None and request.bearer != self.token:
            return self.error_reply(401, "InvalidAuthenticationToken", "Access token validation failure.")
        try:
            body = request.json()
        except ValueError:
            body = None
        asked = body.get("groupIds") if isinstance(body, dict) else None
        if not isinstance(asked, list) or not all(isinstance(g, str) for g in asked) or len(asked) > MAX_GROUPS:
            return self.error_reply(400, "Request_BadRequest", f"groupIds must be a list of at most {MAX_GROUPS} IDs.")
        user = found["user"].lower()
        groups = self._groups_of(user)
        if groups is None:
            return self.error_reply(
                404,
                "Request_ResourceNotFound",
                f"Resource '{user}' does not exist or one of its queried reference-property objects are not present.",
            )
        value = [group for group in asked if group.lower() in groups]
        context = f"{self.origin}/v1.0/$metadata#Collection(Edm.String)"
        return json_reply(200, {"@odata.context": context, "value": value})

    def controls(self) -> Mapping[tuple[str, str], Control]:
        return {("POST", "members"): self._members_control, ("POST", "nesting"): self._nesting_control}

    def _members_control(self, data: Any) -> Reply:
        for user, groups in dict(data or {}).items():
            for group in groups:
                self.add_member(str(user), str(group))
        return json_reply(200, {"ok": True})

    def _nesting_control(self, data: Any) -> Reply:
        for group, parents in dict(data or {}).items():
            for parent in parents:
                self.nest(str(group), str(parent))
        return json_reply(200, {"ok": True})
