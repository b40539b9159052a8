"""Entra groups through Microsoft Graph `checkMemberGroups`, against the loopback Graph stand-in: batches of 20,
transitive answers, failures that refuse rather than allow, no call when no rule names a group, and the token
going to one path on one origin."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cppcancel.policy import Missing, Subject, authorize, parse_policy
from cppcancel.teams_settings import TeamsSettings
from devhost.standins.teams.graph import DEFAULT_TOKEN, GraphStandIn
from teams_app.graph import GraphGroups
from tests.teams_app.conftest import AMY, APP_ID, TENANT

RELEASE = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
MANAGERS = "9a4f1c2e-0b7d-4e3a-8c51-6d2e7f8a9b0c"
AMY_ID = AMY.aad_object_id


@pytest.fixture
def graph() -> Iterator[GraphStandIn]:
    with GraphStandIn() as standin:
        yield standin


def groups_client(graph: GraphStandIn, token: str = DEFAULT_TOKEN) -> GraphGroups:
    return GraphGroups(graph.base_url, lambda: token)


def test_membership_is_transitive_and_only_for_the_groups_asked(graph: GraphStandIn) -> None:
    graph.add_member(AMY_ID, RELEASE)
    graph.nest(RELEASE, MANAGERS)
    assert groups_client(graph).member_of(AMY_ID.upper(), [MANAGERS.upper()]) == {MANAGERS}
    (call,) = graph.requests
    assert (call.path, call.token) == (f"/v1.0/users/{AMY_ID}/checkMemberGroups", DEFAULT_TOKEN)


def test_more_than_twenty_groups_are_asked_in_batches(graph: GraphStandIn) -> None:
    many = [f"00000000-0000-4000-8000-{n:012d}" for n in range(45)]
    graph.add_member(AMY_ID, many[44])
    graph.add_member(AMY_ID, many[3])
    assert groups_client(graph).member_of(AMY_ID, many) == {many[3], many[44]}
    assert [len(r.json["groupIds"]) for r in graph.requests] == [20, 20, 5]


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ({"token": "wrong"}, None),  # 401: unknown, never "no" or "yes"
        ({"user": "nobody-at-all"}, None),  # not an object ID: Graph is not even asked
        ({"user": "11111111-2222-4333-8444-555555555555"}, set()),  # Graph does not know the user: in no group
    ],
)
def test_what_graph_cannot_confirm_is_unknown_or_no(graph: GraphStandIn, setup: dict[str, Any], expected: Any) -> None:
    graph.add_member(AMY_ID, RELEASE)
    client = groups_client(graph, setup.get("token", DEFAULT_TOKEN))
    assert client.member_of(setup.get("user", AMY_ID), [RELEASE]) == expected
    if setup.get("user") == "nobody-at-all":
        assert graph.requests == []


def test_a_graph_that_does_not_answer_is_unknown() -> None:
    with GraphStandIn() as graph:
        gone = GraphGroups(graph.base_url, lambda: DEFAULT_TOKEN, timeout=(1.0, 1.0))
    assert gone.member_of(AMY_ID, [RELEASE]) is None


def teams_rules(*rules: dict[str, Any]) -> Any:
    base = {"publishers": ["contoso"], "offers": ["*"], "users": []}
    return parse_policy({"rules": [base | rule for rule in rules]})


AMY_HERE = Subject(user_id=AMY_ID, chat="teams", tenant_id=TENANT)


def test_one_decision_asks_graph_once_about_every_group_the_policy_names(graph: GraphStandIn) -> None:
    graph.add_member(AMY_ID, MANAGERS)
    policy = teams_rules({"entraGroups": [RELEASE]}, {"entraGroups": [MANAGERS], "offers": ["contoso-*"]})
    membership = groups_client(graph).membership(policy)
    assert authorize(policy, AMY_HERE, "contoso", "contoso-vm", is_entra_member=membership).allowed
    (call,) = graph.requests
    assert call.json == {"groupIds": [RELEASE, MANAGERS]}


def test_no_graph_call_when_no_rule_names_a_group(graph: GraphStandIn) -> None:
    policy = teams_rules({"users": [AMY_ID]})
    membership = groups_client(graph).membership(policy)
    assert authorize(policy, AMY_HERE, "contoso", "x", is_entra_member=membership).allowed
    stranger = Subject(user_id="11111111-2222-4333-8444-555555555555", chat="teams")
    assert authorize(policy, stranger, "contoso", "x", is_entra_member=membership).missing is Missing.CALLER
    assert graph.requests == []


def test_graph_being_down_refuses_and_says_membership_is_unknown(graph: GraphStandIn) -> None:
    graph.add_member(AMY_ID, RELEASE)
    policy = teams_rules({"entraGroups": [RELEASE]})
    membership = groups_client(graph, "expired-token").membership(policy)
    verdict = authorize(policy, AMY_HERE, "contoso", "x", is_entra_member=membership)
    assert (verdict.allowed, verdict.missing, verdict.membership_unknown) == (False, Missing.CALLER, True)


def test_the_client_is_built_from_the_settings_and_refuses_a_base_url_with_a_path(graph: GraphStandIn) -> None:
    teams = TeamsSettings(app_id=APP_ID, graph_base_url=graph.base_url, graph_access_token=DEFAULT_TOKEN)
    graph.add_member(AMY_ID, RELEASE)
    assert GraphGroups.from_settings(teams).member_of(AMY_ID, [RELEASE]) == {RELEASE}
    with pytest.raises(ValueError, match="an origin"):
        GraphGroups("https://graph.microsoft.com/v1.0", lambda: "t")
