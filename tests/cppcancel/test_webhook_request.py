"""The webhook body and key configuration are validated strictly, with one error code per kind of mistake."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cppcancel.targets import JobTarget, PublishTarget, SubmissionTarget
from cppcancel.webhook_request import (
    DEFAULT_CALLER,
    WebhookInputError,
    parse_webhook_body,
    parse_webhook_keys,
)

GOOD: dict[str, Any] = {
    "publisherId": "contoso",
    "offerId": "contoso-vm-offer",
    "notificationEmails": ["a@contoso.com"],
    "requestedBy": "release-pipeline",
    "slackChannel": "C0RELEASES",
}
KEY = "whsec_" + "A" * 32


def test_a_good_body_parses() -> None:
    parsed = parse_webhook_body(GOOD)
    assert (parsed.publisher_id, parsed.offer_id, parsed.requested_by) == (
        "contoso",
        "contoso-vm-offer",
        "release-pipeline",
    )
    assert parsed.notification_emails == ("a@contoso.com",)
    assert parsed.slack_channel == "C0RELEASES"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"extra": 1}, "unknown_field"),
        ({"publisherId": None}, "missing_field"),
        ({"offerId": 42}, "invalid_type"),
        ({"notificationEmails": "a@contoso.com"}, "invalid_type"),
        ({"notificationEmails": [1]}, "invalid_type"),
        ({"notificationEmails": ["not-an-address"]}, "invalid_value"),
        ({"offerId": "../admin"}, "invalid_value"),
        ({"requestedBy": "someone else"}, "invalid_value"),
        ({"slackChannel": "#releases"}, "invalid_value"),
    ],
)
def test_each_mistake_has_its_own_code(change: dict[str, Any], code: str) -> None:
    body = {**GOOD, **change}
    body = {k: v for k, v in body.items() if v is not None or k != "publisherId"}
    with pytest.raises(WebhookInputError) as caught:
        parse_webhook_body(body)
    assert caught.value.code == code


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)
    )
)
def test_arbitrary_json_either_parses_or_is_refused_with_a_code(data: object) -> None:
    try:
        parsed = parse_webhook_body(data)
    except WebhookInputError as exc:
        code = exc.code
    else:
        code = "ok"
        assert isinstance(data, dict)
        assert parsed.publisher_id == data["publisherId"]
    assert code in {
        "ok",
        "invalid_body",
        "unknown_field",
        "missing_field",
        "invalid_field",
        "invalid_type",
        "invalid_value",
    }


def test_keys_bind_callers_and_allow_rotation() -> None:
    keys = parse_webhook_keys(
        f"release-pipeline={KEY}, release-pipeline={KEY.replace('A', 'B')}\n{KEY.replace('A', 'C')}"
    )
    assert [k.caller for k in keys] == ["release-pipeline", "release-pipeline", DEFAULT_CALLER]
    assert KEY not in repr(keys)


def test_a_bare_key_with_base64_padding_is_one_key() -> None:
    padded = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY" + "QQ=="
    [key] = parse_webhook_keys(padded)
    assert (key.caller, key.secret) == (DEFAULT_CALLER, padded)


@pytest.mark.parametrize(
    "raw",
    [
        "pipeline=short",
        "bad name=" + KEY,
        "plaintext-secret-without-prefix",
        "pipeline=whsec_" + "!" * 20,  # not base64: would fail every signature silently
        "pipeline=whsec_" + "=" * 20,  # decodes to nothing: the library would raise on every request
    ],
)
def test_malformed_keys_are_refused_without_echoing_them(raw: str) -> None:
    with pytest.raises(ValueError, match="WEBHOOK_SECRET entry 1") as caught:
        parse_webhook_keys(raw)
    secret = raw.partition("=")[2] or raw
    assert secret not in str(caught.value)


def test_no_keys_configured_is_an_empty_tuple() -> None:
    assert parse_webhook_keys(None) == ()
    assert parse_webhook_keys("  ") == ()


def test_a_cancel_may_name_a_configure_job() -> None:
    from cppcancel.webhook_request import parse_webhook_body

    body = {"publisherId": "contoso", "offerId": "o", "requestedBy": "release-pipeline", "jobId": "abc-123"}
    assert parse_webhook_body(body).target == JobTarget("contoso", "o", "abc-123")
    with pytest.raises(WebhookInputError) as caught:
        parse_webhook_body(body | {"jobId": "a/b"})
    assert caught.value.code == "invalid_value"


def test_only_an_absent_job_id_means_the_cpp_publish_and_a_null_one_is_refused() -> None:
    from cppcancel.webhook_request import parse_webhook_body

    body = {"publisherId": "contoso", "offerId": "o", "requestedBy": "release-pipeline"}
    assert parse_webhook_body(body).target == PublishTarget("contoso", "o")
    with pytest.raises(WebhookInputError) as caught:
        parse_webhook_body(body | {"jobId": None})
    assert caught.value.code == "invalid_field" and "'jobId' is null" in caught.value.message


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"submissionId": None}, "invalid_field"),
        ({"submissionId": 1152921505695131000}, "invalid_type"),
        ({"submissionId": "1/2"}, "invalid_value"),
        ({"submissionId": "1152921505695131000", "jobId": "abc-123"}, "invalid_field"),
    ],
)
def test_a_submission_id_is_checked_like_a_job_id(change: dict[str, Any], code: str) -> None:
    body = {"publisherId": "contoso", "offerId": "o", "requestedBy": "release-pipeline"}
    assert parse_webhook_body(body | {"submissionId": "1152921505695131000"}).target == SubmissionTarget(
        "contoso", "o", "1152921505695131000"
    )
    with pytest.raises(WebhookInputError) as caught:
        parse_webhook_body(body | change)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"jobId": None}, "invalid_field"),
        ({"notificationEmails": []}, "unknown_field"),
        ({"jobId": 7}, "invalid_type"),
        ({"jobId": "../x"}, "invalid_value"),
    ],
)
def test_a_job_registration_is_as_strict_as_a_cancel(change: dict[str, Any], code: str) -> None:
    from cppcancel.webhook_request import parse_job_registration

    body = {"publisherId": "Contoso", "offerId": "o", "requestedBy": "release-pipeline", "jobId": "abc-123"}
    assert parse_job_registration(body).publisher_id == "contoso"
    with pytest.raises(WebhookInputError) as caught:
        parse_job_registration({**body, **change})
    assert caught.value.code == code
