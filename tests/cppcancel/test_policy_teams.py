"""CANCEL_POLICY for Microsoft Teams: Entra IDs, tenants, Teams teams and channels, Entra groups - and a rule of one
chat never matching a person of the other."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cppcancel.policy import Missing, PolicyError, Subject, authorize, parse_policy
from tests.conftest import ALICE

AMY = "0f8fad5b-d9cb-469f-a165-70867728950e"  # an Entra object ID (from.aadObjectId)
BEN = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OTHER_TENANT = "11111111-2222-4333-8444-555555555555"
RELEASE_GROUP = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
TEAM_ID = "19:0a1b2c3d4e5f@thread.tacv2"
CHANNEL_ID = "19:f00dcafe1234@thread.tacv2"

AMY_IN_CHANNEL = Subject(user_id=AMY, chat="teams", tenant_id=TENANT, teams_team_id=TEAM_ID, channel_id=CHANNEL_ID)


def teams_rule(**fields: Any) -> dict[str, Any]:
    return {"publishers": ["contoso"], "offers": ["*"], "users": [AMY], **fields}


def check(rule: dict[str, Any], subject: Subject, **lookups: Any) -> Any:
    return authorize(parse_policy({"rules": [rule]}), subject, "contoso", "contoso-vm-offer", **lookups)


def never(group: str, user: str) -> bool:
    raise AssertionError(f"no group lookup expected ({group}, {user})")


# ---- parsing --------------------------------------------------------------------------------------------------------


def test_a_teams_rule_parses_with_ids_in_lower_case() -> None:
    rule = parse_policy(
        {
            "rules": [
                teams_rule(
                    users=[AMY.upper()],
                    tenants=[TENANT.upper()],
                    teamsTeams=[TEAM_ID],
                    channels=[CHANNEL_ID],
                    entraGroups=[RELEASE_GROUP.upper()],
                )
            ]
        }
    ).rules[0]
    assert (rule.users, rule.tenants, rule.teams_teams) == ((AMY,), (TENANT,), (TEAM_ID,))
    assert (rule.channels, rule.entra_groups, rule.chat) == ((CHANNEL_ID,), (RELEASE_GROUP,), "teams")


def test_which_chat_a_rule_belongs_to_follows_from_its_values() -> None:
    rules = parse_policy(
        {
            "rules": [
                {"publishers": ["contoso"], "offers": ["*"], "users": [ALICE]},
                {"publishers": ["contoso"], "offers": ["*"], "users": [], "entraGroups": [RELEASE_GROUP]},
                {"publishers": ["contoso"], "offers": ["*"], "users": [], "callers": ["pipeline"]},
                {"publishers": ["contoso"], "offers": ["*"], "users": [], "callers": ["p"], "tenants": [TENANT]},
            ]
        }
    ).rules
    assert [rule.chat for rule in rules] == ["slack", "teams", None, "teams"]


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"users": [ALICE, AMY]}, "Slack: users; Teams: users"),
        ({"channels": ["C0RELEASES", CHANNEL_ID]}, "Slack: channels; Teams: users, channels"),
        ({"usergroups": ["S0RELEASE"]}, "Slack: usergroups; Teams: users"),
        ({"teams": ["T0LOCAL"], "tenants": [TENANT]}, "Slack: teams; Teams: users, tenants"),
        ({"enterprises": ["E0ORG"]}, "Slack: enterprises; Teams: users"),
        ({"users": [ALICE], "entraGroups": [RELEASE_GROUP]}, "Slack: users; Teams: entraGroups"),
        ({"users": [ALICE], "teamsTeams": [TEAM_ID]}, "Slack: users; Teams: teamsTeams"),
    ],
)
def test_a_rule_naming_both_chats_is_refused(fields: dict[str, Any], named: str) -> None:
    with pytest.raises(PolicyError, match="names both Slack and Microsoft Teams people or places") as caught:
        parse_policy({"rules": [teams_rule(**fields)]})
    assert named in str(caught.value) and "one rule per chat" in str(caught.value)


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"users": ["amy@contoso.com"]}, "not a Slack user ID (U...) or an Entra object ID (a GUID)"),
        ({"tenants": ["contoso.onmicrosoft.com"]}, "not an Entra tenant ID"),
        ({"tenants": []}, "'tenants' must not be empty"),
        ({"teamsTeams": ["Release team"]}, "not a Teams team ID"),
        ({"teamsTeams": [AMY]}, "not a Teams team ID"),
        ({"entraGroups": ["release-managers"]}, "not an Entra group ID"),
        ({"channels": ["19:nothread"]}, "not a channel ID"),
        ({"users": [], "entraGroups": []}, "grants nobody"),
        ({"teamsteams": [TEAM_ID]}, "unknown keys ['teamsteams']"),
    ],
)
def test_invalid_teams_values_are_refused_naming_the_problem(fields: dict[str, Any], problem: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy({"rules": [teams_rule(**fields)]})
    assert problem in str(caught.value)


# ---- evaluation -----------------------------------------------------------------------------------------------------


def test_a_listed_entra_user_is_allowed_in_any_case_without_lookups() -> None:
    shouted = Subject(user_id=AMY.upper(), chat="teams", tenant_id=TENANT.upper())
    assert check(teams_rule(), shouted, is_member=never, is_entra_member=never).allowed


def test_a_teams_rule_never_matches_a_slack_person_nor_the_reverse() -> None:
    same_id_in_slack = Subject(user_id=AMY, team_id="T0LOCAL")
    refused = check(teams_rule(), same_id_in_slack)
    assert (refused.allowed, refused.missing) == (False, Missing.CALLER)
    slack_rule = {"publishers": ["contoso"], "offers": ["*"], "users": [ALICE]}
    slack_id_in_teams = Subject(user_id=ALICE, chat="teams", tenant_id=TENANT)
    assert check(slack_rule, slack_id_in_teams).missing is Missing.CALLER
    assert check(slack_rule, Subject(user_id=ALICE, team_id="T0LOCAL")).allowed, "Slack still matches Slack"


def test_slack_user_groups_are_never_asked_about_a_teams_person_nor_entra_groups_about_a_slack_one() -> None:
    slack_groups = {"publishers": ["contoso"], "offers": ["*"], "users": [], "usergroups": ["S0RELEASE"]}
    assert not check(slack_groups, AMY_IN_CHANNEL, is_member=never, is_entra_member=never).allowed
    entra = teams_rule(users=[], entraGroups=[RELEASE_GROUP])
    slack_person = Subject(user_id=ALICE, team_id="T0LOCAL")
    assert not check(entra, slack_person, is_member=never, is_entra_member=never).allowed


@pytest.mark.parametrize(
    ("fields", "subject", "missing"),
    [
        ({"tenants": [TENANT]}, AMY_IN_CHANNEL, None),
        ({"tenants": [OTHER_TENANT]}, AMY_IN_CHANNEL, Missing.WORKSPACE),
        ({"tenants": [TENANT]}, Subject(user_id=AMY, chat="teams"), Missing.WORKSPACE),
        ({"teamsTeams": [TEAM_ID]}, AMY_IN_CHANNEL, None),
        ({"teamsTeams": ["19:other@thread.tacv2"]}, AMY_IN_CHANNEL, Missing.WORKSPACE),
        ({"teamsTeams": [TEAM_ID]}, Subject(user_id=AMY, chat="teams", tenant_id=TENANT), Missing.WORKSPACE),
        ({"channels": [CHANNEL_ID]}, AMY_IN_CHANNEL, None),
        ({"channels": ["19:other@thread.tacv2"]}, AMY_IN_CHANNEL, Missing.CHANNEL),
        ({"tenants": [TENANT], "channels": [CHANNEL_ID], "teamsTeams": [TEAM_ID]}, AMY_IN_CHANNEL, None),
        ({"users": [BEN]}, AMY_IN_CHANNEL, Missing.CALLER),
    ],
)
def test_teams_places_narrow_a_rule(fields: dict[str, Any], subject: Subject, missing: Missing | None) -> None:
    verdict = check(teams_rule(**fields), subject)
    assert (verdict.allowed, verdict.missing) == (missing is None, missing)


def test_entra_group_membership_allows_and_is_asked_once_per_group() -> None:
    asked: list[tuple[str, str]] = []

    def member(group: str, user: str) -> bool:
        asked.append((group, user))
        return user == BEN

    rules = [teams_rule(users=[], entraGroups=[RELEASE_GROUP]), teams_rule(users=[], entraGroups=[RELEASE_GROUP])]
    policy = parse_policy({"rules": rules})
    ben = Subject(user_id=BEN.upper(), chat="teams", tenant_id=TENANT)
    assert authorize(policy, ben, "contoso", "vm", is_entra_member=member, is_member=never).allowed
    denied = authorize(policy, AMY_IN_CHANNEL, "contoso", "vm", is_entra_member=member)
    assert (denied.allowed, denied.missing) == (False, Missing.CALLER)
    assert asked == [(RELEASE_GROUP, BEN), (RELEASE_GROUP, AMY)], "lower-case IDs, one question per decision"


def test_no_graph_question_without_a_group_rule_or_for_an_uncovered_offer() -> None:
    assert parse_policy({"rules": [teams_rule()]}).entra_groups == ()
    assert check(teams_rule(), AMY_IN_CHANNEL, is_entra_member=never).allowed
    elsewhere = teams_rule(publishers=["fabrikam"], users=[], entraGroups=[RELEASE_GROUP])
    assert check(elsewhere, AMY_IN_CHANNEL, is_entra_member=never).missing is Missing.OFFER
    named = parse_policy({"rules": [elsewhere, teams_rule(entraGroups=[RELEASE_GROUP.upper(), BEN])]})
    assert named.entra_groups == (RELEASE_GROUP, BEN)


def test_an_unknown_entra_membership_is_a_refusal_that_says_so() -> None:
    verdict = check(
        teams_rule(users=[], entraGroups=[RELEASE_GROUP]), AMY_IN_CHANNEL, is_entra_member=lambda g, u: None
    )
    assert (verdict.allowed, verdict.missing, verdict.membership_unknown) == (False, Missing.CALLER, True)


def test_webhook_callers_of_a_teams_rule_match_and_its_places_still_narrow() -> None:
    pipeline = Subject(caller="release-pipeline")
    assert check(teams_rule(callers=["release-pipeline"]), pipeline).allowed
    narrowed = teams_rule(callers=["release-pipeline"], tenants=[TENANT])
    assert check(narrowed, pipeline).missing is Missing.WORKSPACE, "a webhook names no tenant"


# ---- property: a rule of one chat never lets a person of the other in ---------------------------------------------

slack_rules = st.builds(
    lambda users, channels: {
        "publishers": ["*"],
        "offers": ["*"],
        "users": users,
        **({"channels": channels} if channels else {}),
    },
    st.lists(st.sampled_from([ALICE, "U0BOB"]), min_size=1, unique=True),
    st.one_of(st.none(), st.just(["C0RELEASES"])),
)
teams_rules = st.builds(
    lambda users, tenants: {
        "publishers": ["*"],
        "offers": ["*"],
        "users": users,
        **({"tenants": tenants} if tenants else {}),
    },
    st.lists(st.sampled_from([AMY, BEN, AMY.upper()]), min_size=1, unique=True),
    st.one_of(st.none(), st.just([TENANT])),
)
people = st.builds(
    Subject,
    user_id=st.sampled_from([ALICE, "U0BOB", AMY, BEN]),
    team_id=st.just("T0LOCAL"),
    channel_id=st.just("C0RELEASES"),
    chat=st.sampled_from(["slack", "teams"]),
    tenant_id=st.just(TENANT),
)


@given(st.lists(slack_rules, max_size=3), st.lists(teams_rules, max_size=3), people)
def test_only_rules_of_the_persons_own_chat_can_allow_them(
    slack: list[dict[str, Any]], teams: list[dict[str, Any]], person: Subject
) -> None:
    if not (slack or teams):
        return
    everything = authorize(parse_policy({"rules": slack + teams}), person, "contoso", "vm")
    own = slack if person.chat == "slack" else teams
    only_own = authorize(parse_policy({"rules": own}), person, "contoso", "vm") if own else None
    assert everything.allowed == (only_own is not None and only_own.allowed)


def test_the_readme_shows_a_mixed_policy_that_parses() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Authorization policy", 1)[1].split("\n## ", 1)[0]
    example = section.split("```json\n", 1)[1].split("```", 1)[0]
    chats = {rule.chat for rule in parse_policy(json.loads(example)).rules}
    assert {"slack", "teams"} <= chats
