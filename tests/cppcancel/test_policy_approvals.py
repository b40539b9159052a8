"""The policy's `"approvals"` key: strict parsing, the strictest allowing rule decides, and an approver is checked
against that very rule."""

from __future__ import annotations

from typing import Any

import pytest

from cppcancel.policy import Missing, Policy, PolicyError, Subject, authorize, authorize_under, parse_policy
from tests.conftest import ALICE, BOB, MALLORY, TEST_POLICY

HERE = Subject(user_id=ALICE, team_id="T0LOCAL", channel_id="C0RELEASES")


def rule(**fields: Any) -> dict[str, Any]:
    return {"publishers": ["contoso"], "offers": ["*"], "users": [ALICE, BOB], **fields}


def policy(*rules: dict[str, Any]) -> Policy:
    return parse_policy({"rules": list(rules)})


def test_without_approvals_a_rule_and_its_verdict_are_what_they_were() -> None:
    parsed = parse_policy(TEST_POLICY)
    assert all(r.approvals == 1 for r in parsed.rules) and not parsed.asks_approvals
    verdict = authorize(parsed, HERE, "contoso", "contoso-vm-offer")
    assert verdict.allowed and verdict.approvals == 1 and verdict.rule is None


@pytest.mark.parametrize("value", [0, -1, 6, 1.5, "2", True, None, [2]])
def test_an_approvals_value_that_is_not_a_small_whole_number_is_a_policy_error(value: object) -> None:
    with pytest.raises(PolicyError, match="'approvals' must be a whole number from 1 to 5"):
        policy(rule(approvals=value))


def test_a_rule_that_asks_approvals_must_grant_people_who_could_give_them() -> None:
    with pytest.raises(PolicyError, match="grants no person who could approve"):
        policy(
            {"publishers": ["contoso"], "offers": ["*"], "users": [], "callers": ["release-pipeline"], "approvals": 2}
        )


def test_the_verdict_says_how_many_must_approve_and_under_which_rule() -> None:
    parsed = policy(rule(approvals=2))
    verdict = authorize(parsed, HERE, "contoso", "contoso-vm-offer")
    assert verdict.allowed and verdict.approvals == 2 and verdict.rule == parsed.rules[0].digest


def test_the_strictest_allowing_rule_decides_whatever_the_order() -> None:
    loose, strict = rule(), rule(offers=["contoso-*"], approvals=3)
    for rules in ((loose, strict), (strict, loose)):
        parsed = policy(*rules)
        verdict = authorize(parsed, HERE, "contoso", "contoso-vm-offer")
        assert verdict.approvals == 3 and verdict.rule == parsed.rules[rules.index(strict)].digest
        assert authorize(parsed, HERE, "contoso", "other").approvals == 1  # only the loose rule covers it


def test_an_approver_must_pass_the_same_rule() -> None:
    parsed = policy(rule(approvals=2, channels=["C0RELEASES"]), rule(users=[MALLORY]))
    digest = parsed.rules[0].digest
    bob = Subject(user_id=BOB, team_id="T0LOCAL", channel_id="C0RELEASES")
    assert authorize_under(parsed, digest, bob, "contoso", "contoso-vm-offer").allowed
    mallory = Subject(user_id=MALLORY, channel_id="C0RELEASES")
    assert authorize(parsed, mallory, "contoso", "contoso-vm-offer").allowed  # another rule allows her to ask...
    refused = authorize_under(parsed, digest, mallory, "contoso", "contoso-vm-offer")
    assert not refused.allowed and refused.missing is Missing.CALLER  # ...but not to approve under this one
    elsewhere = Subject(user_id=BOB, channel_id="C0OTHER")
    assert authorize_under(parsed, digest, elsewhere, "contoso", "contoso-vm-offer").missing is Missing.CHANNEL


def test_a_rule_changed_since_the_request_approves_nobody() -> None:
    digest = policy(rule(approvals=2)).rules[0].digest
    changed = policy(rule(approvals=2, channels=["C0RELEASES"]))
    verdict = authorize_under(changed, digest, Subject(user_id=BOB), "contoso", "contoso-vm-offer")
    assert not verdict.allowed and verdict.missing is Missing.POLICY
    assert not authorize_under(None, digest, Subject(user_id=BOB), "contoso", "x").allowed
