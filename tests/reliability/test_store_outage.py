"""A record store that fails at the worst moment, then recovers: no lock outlives the outage (issue #21, item 2).

The app's record is Azure Table Storage here (Azurite behind `FaultyTables`, which answers 503 `ServerBusy` to the
writes a test names), as in production, where Microsoft documents transient 503s and timeouts. Two moments matter:
right after a cancel took the offer's lock (marking its record `sending` fails, and so does the release), and right
after its POST (writing back the answer and annotating the lock fail). Either way the cancel after the recovery
must be sent - exactly once - rather than "joined" to a cancel that holds nothing.
"""

from __future__ import annotations

import pytest

from tests.reliability.conftest import FaultyStore, Rig
from tests.reliability.store_faults import TableRequest

pytestmark = pytest.mark.e2e

OFFER = "contoso-vm-offer"


def marks_sending(request: TableRequest) -> bool:
    return request.writes(state="sending")


def releases_a_lock(request: TableRequest) -> bool:
    return request.method == "DELETE" and "lock" in str(request.row)


def writes_back_the_answer(request: TableRequest) -> bool:
    return request.writes(state="sent")


def annotates_a_lock(request: TableRequest) -> bool:
    return request.conditional and "lock" in str(request.row) and bool(request.entity.get("operation_url"))


def assert_sent_once_more(rig: Rig, posts_before: int) -> None:
    """A fresh webhook delivery for the offer is sent (not joined), followed to its end, and POSTs exactly once."""
    answer = rig.webhook(rig.webhook_body(OFFER))
    assert answer.status == 202, answer.body
    body = answer.json()
    assert not body.get("joined"), f"joined a cancel that holds nothing: {body}"
    assert rig.output(body["instanceId"], timeout=30)["phase"] == "completed"
    assert rig.cancel_posts() == posts_before + 1


def test_a_store_failing_right_after_the_lock_leaves_no_orphan_lock(rig: Rig, faulty_store: FaultyStore) -> None:
    faulty_store.proxy.fail(marks_sending)
    faulty_store.proxy.fail(releases_a_lock)
    first = rig.webhook(rig.webhook_body(OFFER))
    assert first.status == 503 and first.json()["error"]["code"] == "not_recorded", first.body
    assert rig.cancel_posts() == 0, "nothing was sent: its record could not say so first"
    assert any(marks_sending(r) for r in faulty_store.proxy.refused)
    assert any(releases_a_lock(r) for r in faulty_store.proxy.refused), "the release failed too"
    faulty_store.proxy.heal()

    assert_sent_once_more(rig, posts_before=0)
    assert_sent_once_more(rig, posts_before=1)  # and the lock is released at that watch's end as usual


def test_a_store_failing_right_after_the_post_leaves_no_orphan_lock(rig: Rig, faulty_store: FaultyStore) -> None:
    faulty_store.proxy.fail(writes_back_the_answer)
    faulty_store.proxy.fail(annotates_a_lock)
    first = rig.webhook(rig.webhook_body(OFFER))
    assert first.status == 202 and not first.json().get("joined"), first.body
    assert rig.cancel_posts() == 1
    assert rig.output(first.json()["instanceId"], timeout=30)["phase"] == "completed"
    assert any(writes_back_the_answer(r) for r in faulty_store.proxy.refused), "the record still says `sending`"
    faulty_store.proxy.heal()

    assert_sent_once_more(rig, posts_before=1)
