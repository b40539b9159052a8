"""The submission API token goes to SUBMISSION_API_BASE_URL's origin and path only, and nothing can DELETE a product.

Hostile next-page links are served by the stand-in itself (its `next_link` switch); a second loopback server plays
the foreign host and records every visit. Each case asserts the link was refused, never fetched, and the token never
sent anywhere but the first page's request.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backends.http import errors
from backends.http.tokens import StaticTokenProvider
from backends.submission import urls
from backends.submission.client import SubmissionClient
from backends.submission.models import Product
from backends.submission.tokens import submission_token_provider_from_settings
from cppcancel.settings import load_settings
from devhost.standins.submission import SubmissionStandIn
from tests.backends.cpp.conftest import RecordingServer
from tests.backends.submission.conftest import OFFER, PRODUCT_ID, PUBLISHER

SUBMISSIONS = f"/v1.0/ingestion/products/{PRODUCT_ID}/submissions"


def _hostile_links(api: SubmissionStandIn, foreign: RecordingServer) -> list[str]:
    port, foreign_port = api.port, foreign.port
    return [
        f"http://localhost:{port}{SUBMISSIONS}?$skipToken=x",  # another host name for the same socket
        f"http://127.0.0.2:{port}{SUBMISSIONS}",  # another host
        f"{foreign.base_url}{SUBMISSIONS}?$skipToken=x",  # another port
        f"https://127.0.0.1:{port}{SUBMISSIONS}",  # another scheme
        f"http://user:secret@127.0.0.1:{port}{SUBMISSIONS}",  # user-info on the right origin
        f"http://127.0.0.1@127.0.0.1:{foreign_port}{SUBMISSIONS}",  # user-info that looks like the host
        f"//127.0.0.1:{foreign_port}{SUBMISSIONS}",  # protocol-relative
        "/v1.0/other/products",  # outside the base path
        "v1.0/ingestion/../../_standin/requests",  # dot-segments out of it
        f"v1.0/ingestion/products/{PRODUCT_ID}/../{PRODUCT_ID}/submissions",  # dot-segments that come back
        "v1.0/ingestion/products%2F..%2F..%2F_standin",  # encoded slashes
        f"v1.0/ingestion/products/{PRODUCT_ID}/submissions/1/workflowdetails",  # another collection of the API
        "v1.0/ingestion/products",  # another collection: every product of the account
        "javascript:alert(1)",
        "http:\\\\127.0.0.1\\v1.0\\ingestion",
        "v1.0/ingestion/products\t/x",
        "v1.0/ingestion/" + "a" * 5000,
    ]


@pytest.fixture
def foreign() -> Iterator[RecordingServer]:
    server = RecordingServer()
    yield server
    server.close()


def test_a_hostile_next_link_is_never_fetched_and_never_given_the_token(
    submission_standin: SubmissionStandIn, submission_client: SubmissionClient, foreign: RecordingServer
) -> None:
    submission_standin.add_product(OFFER, PRODUCT_ID)
    for link in _hostile_links(submission_standin, foreign):
        submission_standin.clear_requests()
        submission_standin.set_faults(next_link=link)
        with pytest.raises(errors.UnsafeUrl, match="was not followed") as refused:
            submission_client.list_submissions(PRODUCT_ID)
        assert "local-submission-token" not in refused.value.describe()
        assert [r.path for r in submission_standin.requests] == [SUBMISSIONS], link
    assert foreign.visits == []


def test_a_next_link_back_to_a_page_already_read_ends_the_reading(
    submission_standin: SubmissionStandIn, submission_client: SubmissionClient
) -> None:
    submission_standin.add_product(OFFER, PRODUCT_ID)
    submission_standin.set_faults(next_link=f"v1.0/ingestion/products/{PRODUCT_ID}/submissions?$skipToken=")
    with pytest.raises(errors.InvalidResponse, match="lead back to one already read"):
        submission_client.list_submissions(PRODUCT_ID)
    assert len(submission_standin.requests) == 2


def test_the_session_itself_refuses_a_token_elsewhere_and_any_delete_of_a_product(
    submission_standin: SubmissionStandIn, submission_client: SubmissionClient, foreign: RecordingServer
) -> None:
    """As a careless future code path would use it: the adapter is the last fence."""
    product = submission_standin.add_product(OFFER, PRODUCT_ID)
    session = submission_client._session
    auth = {"Authorization": f"Bearer {submission_standin.token}"}
    base = submission_standin.base_url
    refused: list[tuple[str, str, dict[str, str]]] = [
        ("GET", f"{foreign.base_url}/v1.0/ingestion/products", auth),
        ("GET", f"{submission_standin.origin}/v1.0/me", auth),
        ("DELETE", f"{base}/products/{product.id}", auth),
        ("DELETE", f"{base}/products/{product.id}", {}),
        ("DELETE", f"{base}/products/{product.id}/", auth),
        ("DELETE", f"{base}/products/{product.id}/submissions", auth),
        ("DELETE", f"{base}/products/{product.id}/submissions/1?force=true", auth),
        ("DELETE", f"{base}/products/{product.id}/submissions/1/../..", auth),
        ("POST", f"{base}/products/{product.id}/submissions/1/promote", auth),
        ("PUT", f"{base}/products/{product.id}", auth),
    ]
    for method, url, headers in refused:
        with pytest.raises(errors.UnsafeUrl):
            session.request(method, url, headers=headers, timeout=2)
    assert submission_standin.requests == [] and foreign.visits == []
    assert submission_standin.product_deletes() == [] and product.id in submission_standin.catalog.products


@given(st.text(max_size=40), st.text(max_size=40))
def test_no_ids_make_a_delete_url_that_is_not_exactly_one_submission(product_id: str, submission_id: str) -> None:
    base = "https://api.partner.microsoft.com/v1.0/ingestion"
    try:
        url = urls.submission_url(base, product_id, submission_id)
    except errors.UnsafeUrl:
        return
    urls.ensure_submission_delete(base, url)
    assert url == f"{base}/products/{product_id}/submissions/{submission_id}"


@pytest.mark.parametrize(("product_id", "submission_id"), [("p-1", ""), ("p-1", "../.."), ("", "1"), ("p/1", "1")])
def test_a_missing_or_unsafe_id_builds_no_url(product_id: str, submission_id: str) -> None:
    with pytest.raises(errors.UnsafeUrl, match="is not valid"):
        urls.submission_url("https://api.partner.microsoft.com/v1.0/ingestion", product_id, submission_id)


def test_the_requests_carry_only_the_submission_api_token(
    submission_standin: SubmissionStandIn, submission_client: SubmissionClient
) -> None:
    submission_standin.add_product(OFFER, PRODUCT_ID)
    submission_client.find_product(PUBLISHER, OFFER)
    submission_client.list_submissions(PRODUCT_ID)
    seen = submission_standin.requests
    assert [r.token for r in seen] == [submission_standin.token] * 2
    assert (
        all(r.headers["Client-Request-ID"] for r in seen)
        and seen[0].headers["Client-Request-ID"] != (seen[1].headers["Client-Request-ID"])
    )


def test_the_environments_proxies_are_ignored(
    submission_standin: SubmissionStandIn,
    submission_client: SubmissionClient,
    foreign: RecordingServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("NO_PROXY", "no_proxy"):  # a CI runner's no_proxy=localhost would bypass the proxy anyway
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, foreign.base_url)
    submission_standin.add_product(OFFER, PRODUCT_ID)
    assert submission_client.list_submissions(PRODUCT_ID) == []
    assert foreign.visits == [], "the token went through a proxy from the environment"


@pytest.mark.parametrize("static", [True, False])
def test_the_token_provider_is_its_own(static: bool, caplog: pytest.LogCaptureFixture) -> None:
    env = {"CPP_ACCESS_TOKEN": "cpp-token", "INGESTION_ACCESS_TOKEN": "ingestion-token"}
    env |= {"SUBMISSION_API_ACCESS_TOKEN": "submission-token"} if static else {}
    with caplog.at_level(logging.WARNING, logger="backends.http.tokens"):
        provider = submission_token_provider_from_settings(load_settings(env))
    if static:
        assert isinstance(provider, StaticTokenProvider) and provider.get_token() == "submission-token"
        assert any("SUBMISSION_API_ACCESS_TOKEN" in r.getMessage() for r in caplog.records)
    else:
        assert not isinstance(provider, StaticTokenProvider), "never another API's static token"
        assert "https://api.partner.microsoft.com/.default" in repr(provider)


def test_from_settings_takes_the_submission_settings_only() -> None:
    settings = load_settings(
        {
            "SUBMISSION_API_BASE_URL": "http://127.0.0.1:9/v1.0/ingestion",
            "SUBMISSION_API_PUBLISHERS": "Contoso",
            "SUBMISSION_API_READ_TIMEOUT_S": "3",
            "CPP_READ_TIMEOUT_S": "99",
        }
    )
    client = SubmissionClient.from_settings(settings, StaticTokenProvider("t"))
    assert client.base_url == "http://127.0.0.1:9/v1.0/ingestion" and client.serves("CONTOSO")
    assert client._connection.timeout == (5.0, 3.0)
    assert repr(client) == "SubmissionClient(base_url='http://127.0.0.1:9/v1.0/ingestion', publishers=['contoso'])"


@pytest.mark.parametrize(
    "base", ["http://api.partner.example/v1.0/ingestion", "https://u@api.partner.microsoft.com/x", "ftp://x/y"]
)
def test_an_unsafe_base_url_is_refused(base: str) -> None:
    with pytest.raises(ValueError, match="submission API base URL"):
        urls.checked_base_url(base)


def test_a_listed_submission_whose_id_is_not_one_path_segment_is_never_deleted(
    submission_standin: SubmissionStandIn, submission_client: SubmissionClient
) -> None:
    product = Product.from_json(submission_standin.add_product(OFFER, PRODUCT_ID).body())
    submission_standin.add_submission(PRODUCT_ID, "1/../..", state="InProgress", substate="Submitted")
    (listed,) = submission_client.list_submissions(PRODUCT_ID)
    with pytest.raises(errors.UnsafeUrl, match=re.escape("submission ID '1/../..' is not valid")):
        submission_client.cancel(product, listed)
    assert submission_standin.deletes() == [] and submission_standin.product_deletes() == []
