"""CANCEL_POLICY: strict parsing (typos never widen access) and deny-by-default evaluation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cppcancel.policy import Missing, Policy, PolicyError, Rule, Subject, authorize, load_policy, parse_policy
from tests.conftest import ALICE, BOB, MALLORY, TEST_POLICY

ALICE_HERE = Subject(user_id=ALICE, team_id="T0LOCAL", channel_id="C0RELEASES")


def rule(**fields: Any) -> dict[str, Any]:
    return {"publishers": ["contoso"], "offers": ["*"], "users": [ALICE], **fields}


def policy(*rules: dict[str, Any]) -> Policy:
    return parse_policy({"rules": list(rules)})


# ---- parsing --------------------------------------------------------------------------------------------------------


def test_the_test_policy_parses() -> None:
    parsed = parse_policy(TEST_POLICY)
    assert parsed.rules[0] == Rule(("contoso",), ("*",), (ALICE,), ("S0RELEASE",), unregistered_jobs=True)
    assert parsed.rules[1].callers == ("release-pipeline",) and parsed.names_usergroups


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ([], "must be a JSON object"),
        ({}, "needs a 'rules' list"),
        ({"rules": [], "defaults": {}}, "unknown keys ['defaults']"),
        ({"rules": [rule(chanels=["C0X"])]}, "rule 1 has unknown keys ['chanels']"),
        ({"rules": [{"publishers": ["contoso"], "offers": ["*"]}]}, "missing required keys ['users']"),
        ({"rules": [{"offers": ["*"], "users": [ALICE]}]}, "missing required keys ['publishers']"),
        ({"rules": [rule(users=["alice"])]}, "'users' holds 'alice', which is not a Slack user ID"),
        ({"rules": [rule(users=["*"])]}, "which is not a Slack user ID"),
        ({"rules": [rule(users=ALICE)]}, "'users' must be a list"),
        ({"rules": [rule(publishers=[])]}, "'publishers' must not be empty"),
        ({"rules": [rule(offers=["con/toso"])]}, "not a publisher/offer ID or pattern"),
        ({"rules": [rule(channels=[])]}, "'channels' must not be empty (leave the key out"),
        ({"rules": [rule(channels=["#releases"])]}, "not a channel ID"),
        ({"rules": [rule(teams=["local"])]}, "not a workspace or org ID"),
        ({"rules": [rule(enterprises=["T0LOCAL"])]}, "not an Enterprise Grid org ID"),
        ({"rules": [rule(enterprises=[])]}, "'enterprises' must not be empty"),
        ({"rules": [rule(usergroups=["release-team"])]}, "not a user group ID"),
        ({"rules": [rule(users=[])]}, "grants nobody"),
        ({"rules": [rule(description=3)]}, "'description' must be a string"),
        ({"rules": [rule(unregisteredJobs="yes")]}, "'unregisteredJobs' must be true or false"),
        ({"rules": ["contoso"]}, "rule 1 must be a JSON object"),
    ],
)
def test_invalid_policies_are_refused_naming_the_problem(document: Any, problem: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(document)
    assert problem in str(caught.value)


def test_load_inline_json_or_a_file(tmp_path: Path) -> None:
    text = json.dumps(TEST_POLICY)
    assert load_policy(text) == parse_policy(TEST_POLICY)
    path = tmp_path / "policy.json"
    path.write_text(text)
    assert load_policy(f"  {path}  ") == parse_policy(TEST_POLICY)


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (None, "CANCEL_POLICY is not set"),
        ("  ", "CANCEL_POLICY is not set"),
        ("{nope", "CANCEL_POLICY is not valid JSON (line 1, column 2)"),
        ("/nonexistent/x.json", "CANCEL_POLICY names a file that cannot be read"),
        ('{"rules": [{"users": []}]}', "CANCEL_POLICY is invalid: rule 1 is missing required keys"),
    ],
)
def test_load_failures_say_what_is_wrong(source: str | None, problem: str) -> None:
    with pytest.raises(PolicyError, match="CANCEL_POLICY") as caught:
        load_policy(source)
    assert problem in str(caught.value)


# ---- evaluation -----------------------------------------------------------------------------------------------------


def never(group: str, user: str) -> bool:
    raise AssertionError("no group lookup expected")


def test_no_policy_refuses_everything() -> None:
    for pol in (None, Policy(())):
        decision = authorize(pol, ALICE_HERE, "contoso", "x")
        assert (decision.allowed, decision.missing) == (False, Missing.POLICY)


def test_a_listed_user_is_allowed_without_group_lookups() -> None:
    assert authorize(parse_policy(TEST_POLICY), ALICE_HERE, "contoso", "vm", is_member=never).allowed


def test_group_membership_allows_and_is_looked_up_once() -> None:
    asked: list[tuple[str, str]] = []

    def member(group: str, user: str) -> bool:
        asked.append((group, user))
        return user == BOB

    pol = policy(rule(users=[], usergroups=["S0A"]), rule(offers=["other"], users=[], usergroups=["S0A"]))
    assert authorize(pol, Subject(user_id=BOB), "contoso", "vm", is_member=member).allowed
    denied = authorize(pol, Subject(user_id=MALLORY), "contoso", "vm", is_member=member)
    assert (denied.allowed, denied.missing) == (False, Missing.CALLER)
    assert asked == [("S0A", BOB), ("S0A", MALLORY)]


def test_no_group_lookup_for_an_offer_no_rule_covers() -> None:
    pol = policy(rule(publishers=["fabrikam"], users=[], usergroups=["S0A"]))
    assert authorize(pol, Subject(user_id=BOB), "contoso", "vm", is_member=never).missing is Missing.OFFER


def test_an_unknown_membership_is_a_refusal_that_says_so() -> None:
    pol = policy(rule(users=[], usergroups=["S0A"]))
    decision = authorize(pol, Subject(user_id=BOB), "contoso", "vm", is_member=lambda g, u: None)
    assert (decision.allowed, decision.missing, decision.membership_unknown) == (False, Missing.CALLER, True)
    assert "could not confirm your user-group membership" in decision.explain("contoso", "vm")


@pytest.mark.parametrize(
    ("fields", "subject", "missing"),
    [
        ({"publishers": ["fabrikam"]}, ALICE_HERE, Missing.OFFER),
        ({"offers": ["contoso-saas-*"]}, ALICE_HERE, Missing.OFFER),
        ({"users": [BOB]}, ALICE_HERE, Missing.CALLER),
        ({"teams": ["T0OTHER"]}, ALICE_HERE, Missing.WORKSPACE),
        ({"channels": ["C0OTHER"]}, ALICE_HERE, Missing.CHANNEL),
        ({"teams": ["T0OTHER"], "channels": ["C0OTHER"]}, ALICE_HERE, Missing.WORKSPACE),
        ({"channels": ["C0RELEASES"]}, Subject(user_id=ALICE, team_id="T0LOCAL"), Missing.CHANNEL),
    ],
)
def test_refusals_name_the_missing_permission(fields: dict[str, Any], subject: Subject, missing: Missing) -> None:
    decision = authorize(policy(rule(**fields)), subject, "contoso", "contoso-vm-offer")
    assert (decision.allowed, decision.missing) == (False, missing)
    text = decision.explain("contoso", "contoso-vm-offer")
    assert f"Missing permission: {missing.value}." in text
    for value in fields.values():
        assert all(item not in text for item in value), "the explanation never quotes the policy"


def test_the_deepest_failure_over_all_rules_is_reported() -> None:
    pol = policy(rule(users=[BOB]), rule(channels=["C0OTHER"]))
    assert authorize(pol, ALICE_HERE, "contoso", "vm").missing is Missing.CHANNEL


def test_narrowing_rules_allow_matching_requests() -> None:
    pol = policy(rule(teams=["T0LOCAL"], channels=["C0RELEASES"], offers=["contoso-vm-*", "other"]))
    assert authorize(pol, ALICE_HERE, "contoso", "contoso-vm-offer").allowed
    assert authorize(pol, ALICE_HERE, "CONTOSO", "Contoso-VM-Offer").allowed, "IDs match case-insensitively"


ON_GRID = Subject(user_id=ALICE, team_id="T0LOCAL", channel_id="C0RELEASES", enterprise_id="E0ORG")


@pytest.mark.parametrize(
    ("fields", "subject", "allowed"),
    [
        ({"teams": ["E0ORG"]}, ON_GRID, True),  # a rule naming the org covers every workspace in it
        ({"teams": ["T0LOCAL"]}, ON_GRID, True),  # ... and a workspace still matches on Grid
        ({"teams": ["E0OTHER"]}, ON_GRID, False),
        ({"teams": ["E0ORG"]}, ALICE_HERE, False),  # not on Grid: an org rule never matches
        ({"enterprises": ["E0ORG"]}, ON_GRID, True),
        ({"enterprises": ["E0ORG"]}, ALICE_HERE, False),
        ({"enterprises": ["E0ORG"], "teams": ["T0OTHER"]}, ON_GRID, False),  # both narrow
        ({"enterprises": ["E0ORG"], "teams": ["T0LOCAL"]}, ON_GRID, True),
    ],
)
def test_enterprise_grid_orgs_can_be_named(fields: dict[str, Any], subject: Subject, allowed: bool) -> None:
    verdict = authorize(policy(rule(**fields)), subject, "contoso", "contoso-vm-offer")
    assert verdict.allowed is allowed
    assert verdict.missing is (None if allowed else Missing.WORKSPACE)


def test_webhook_callers_match_only_rules_that_name_them() -> None:
    pol = parse_policy(TEST_POLICY)
    assert authorize(pol, Subject(caller="release-pipeline"), "contoso", "vm").allowed
    assert authorize(pol, Subject(caller="someone-else"), "contoso", "vm").missing is Missing.CALLER
    assert not authorize(pol, Subject(caller=ALICE), "contoso", "vm").allowed, "a caller name is not a user ID"
    narrowed = policy(rule(users=[], callers=["release-pipeline"], channels=["C0X"]))
    assert authorize(narrowed, Subject(caller="release-pipeline"), "contoso", "vm").missing is Missing.CHANNEL


def test_an_unregistered_job_needs_a_rule_that_trusts_the_caller_to_name_its_offer() -> None:
    plain = policy(rule(users=[], callers=["release-pipeline"]))
    trusting = policy(rule(users=[], callers=["release-pipeline"], unregisteredJobs=True))
    pipeline = Subject(caller="release-pipeline")
    assert authorize(plain, pipeline, "contoso", "vm").allowed, "the offer itself: allowed"
    refused = authorize(plain, pipeline, "contoso", "vm", unregistered_job=True)
    assert refused.missing is Missing.UNREGISTERED_JOB
    assert "not registered" in refused.explain("contoso", "vm", webhook_caller="release-pipeline")
    assert authorize(trusting, pipeline, "contoso", "vm", unregistered_job=True).allowed
    assert not parse_policy({"rules": [rule()]}).rules[0].unregistered_jobs, "off unless a rule says so"


def test_a_refused_webhook_caller_is_told_in_a_callers_words() -> None:
    pol = parse_policy(TEST_POLICY)
    refused = authorize(pol, Subject(caller="incident-bot"), "contoso", "vm")
    text = refused.explain("contoso", "vm", webhook_caller="incident-bot")
    assert "caller 'incident-bot'" in text and "'callers'" in text, text
    assert "user group" not in text and "user/group" not in text, "a pipeline has no user group"
    person = refused.explain("contoso", "vm")
    assert "your user group" in person, "a person in Slack keeps the Slack wording"


# ---- properties -----------------------------------------------------------------------------------------------------

slack_ids = st.sampled_from([ALICE, BOB, MALLORY, "U0CAROL"])
patterns = st.sampled_from(["*", "contoso", "contoso-*", "fabrikam", "*-vm-*", "c?ntoso"])
rules = st.builds(
    lambda p, o, u, c: rule(publishers=[p], offers=[o], users=u, **({"channels": c} if c else {})),
    patterns,
    patterns,
    st.lists(slack_ids, min_size=1, max_size=2, unique=True),
    st.one_of(st.none(), st.lists(st.sampled_from(["C0RELEASES", "C0OTHER"]), min_size=1, unique=True)),
)
subjects = st.builds(Subject, slack_ids, st.just("T0LOCAL"), st.sampled_from(["C0RELEASES", "C0OTHER"]))
targets = st.tuples(st.sampled_from(["contoso", "fabrikam"]), st.sampled_from(["contoso-vm-offer", "x"]))


@given(st.lists(rules, max_size=4), rules, subjects, targets)
def test_adding_a_rule_never_takes_a_permission_away(
    base: list[dict[str, Any]], extra: dict[str, Any], subject: Subject, target: tuple[str, str]
) -> None:
    before = authorize(policy(*base) if base else None, subject, *target)
    after = authorize(policy(*base, extra), subject, *target)
    assert after.allowed or not before.allowed


@given(st.dictionaries(st.text(min_size=1, max_size=12), st.just(["x"]), min_size=1, max_size=3), subjects, targets)
def test_an_unknown_key_in_a_rule_is_always_an_error(
    extra: dict[str, Any], subject: Subject, target: tuple[str, str]
) -> None:
    known = {
        "publishers",
        "offers",
        "users",
        "usergroups",
        "channels",
        "teams",
        "enterprises",
        "callers",
        "unregisteredJobs",
        "description",
    }
    extra = {k: v for k, v in extra.items() if k not in known}
    if extra:
        with pytest.raises(PolicyError, match="unknown keys"):
            policy(rule(**extra))
