"""A configure job is acted on under the offer it belongs to, never the one a caller names (issue #21, item 1)."""

from __future__ import annotations

from typing import Any

import pytest

from backends.ingestion.access import JOB_NOT_REGISTERED, JOB_OFFER_MISMATCH, job_refusal
from cppcancel.policy import Subject, parse_policy
from tests.conftest import ALICE

JOB = "d4261631-ad84-4a9b-9f1e-5b7e8a1c0401"
PIPELINE = Subject(caller="release-pipeline")


def policy(*, trusting: bool) -> Any:
    rule = {"publishers": ["contoso"], "offers": ["contoso-saas-*"], "users": [ALICE], "callers": ["release-pipeline"]}
    return parse_policy({"rules": [{**rule, "unregisteredJobs": trusting}]})


@pytest.mark.parametrize("trusting", [False, True])
def test_a_registered_job_is_allowed_only_under_its_own_offer(trusting: bool) -> None:
    pol = policy(trusting=trusting)
    owner = ("contoso", "contoso-saas-offer")
    assert job_refusal(pol, PIPELINE, "contoso", "contoso-saas-offer", JOB, owner) is None
    refused = job_refusal(pol, PIPELINE, "contoso", "contoso-saas-other", JOB, ("fabrikam", "fabrikam-app"))
    assert refused is not None and refused.code == JOB_OFFER_MISMATCH, "trust never covers a registered job"
    assert "fabrikam" not in refused.message and "another offer" in refused.message
    status = job_refusal(pol, PIPELINE, "contoso", "contoso-saas-other", JOB, owner, cancel=False)
    assert status is not None and status.code == JOB_OFFER_MISMATCH, "nor may its status be read elsewhere"


def test_an_unregistered_job_is_refused_unless_a_matching_rule_trusts_the_caller() -> None:
    refused = job_refusal(policy(trusting=False), PIPELINE, "contoso", "contoso-saas-offer", JOB, None)
    assert refused is not None and refused.code == JOB_NOT_REGISTERED
    assert "POST /api/webhooks/jobs" in refused.message and "unregisteredJobs" in refused.message
    assert job_refusal(policy(trusting=True), PIPELINE, "contoso", "contoso-saas-offer", JOB, None) is None
    slack = job_refusal(policy(trusting=False), Subject(user_id=ALICE), "contoso", "contoso-saas-offer", JOB, None)
    assert slack is not None and "Have the pipeline that started it register it" in slack.message


def test_an_unregistered_jobs_status_may_be_read() -> None:
    assert job_refusal(policy(trusting=False), PIPELINE, "contoso", "contoso-saas-x", JOB, None, cancel=False) is None


def test_trust_on_another_offer_does_not_carry_over() -> None:
    pol = parse_policy(
        {
            "rules": [
                {"publishers": ["contoso"], "offers": ["contoso-saas-*"], "users": [], "callers": ["release-pipeline"]},
                {
                    "publishers": ["contoso"],
                    "offers": ["contoso-vm-*"],
                    "users": [],
                    "callers": ["release-pipeline"],
                    "unregisteredJobs": True,
                },
            ]
        }
    )
    refused = job_refusal(pol, PIPELINE, "contoso", "contoso-saas-offer", JOB, None)
    assert refused is not None and refused.code == JOB_NOT_REGISTERED
    assert job_refusal(pol, PIPELINE, "contoso", "contoso-vm-offer", JOB, None) is None
