"""The demo's last act: an Azure Application offer's in-progress submission cancelled from Slack (the third backend,
the Partner Center submission API).

The dev host embeds the submission API stand-in; the demo gives it one product - `contoso-managed-app`, with a live
(InStore) submission and a newer one in certification (InProgress/Submitted) - and serves `contoso` there
(SUBMISSION_API_PUBLISHERS). alice asks `/cpp ops` (the in-progress submission, with its Cancel… button), then a bare
`/cpp cancel`, which means that one submission; she confirms, the app sends the one DELETE, and the watcher reads the
submissions again until the submission is gone.
"""

from __future__ import annotations

from devhost.demo.story import ALICE, CONFIRM_ACTION, PUBLISHER, WATCH_ORCHESTRATOR, StepFailed, Story

APP_OFFER = "contoso-managed-app"
SUBMISSION_ID = "1152921505695131000"
# Settings the demo owns for this backend: the dev host then embeds the stand-in, and contoso is served there.
CLEARED = ("SUBMISSION_API_BASE_URL", "SUBMISSION_API_ACCESS_TOKEN", "SUBMISSION_API_PUBLISHERS")


def settings() -> dict[str, str]:
    return {"SUBMISSION_API_PUBLISHERS": PUBLISHER}


def submission_cancel(story: Story) -> None:
    api = story.host.emulation.submission
    if api is None:
        raise StepFailed("the submission API stand-in did not start (devhost.standins.submission.SubmissionStandIn)")
    product = api.add_product(APP_OFFER)
    api.add_submission(product.id, state="Published", substate="InStore")
    api.add_submission(product.id, SUBMISSION_ID, state="InProgress", substate="Submitted")
    ops = story.command(ALICE, f"/cpp ops {PUBLISHER} {APP_OFFER}")
    if not any(b.action_id == "open_cancel" and SUBMISSION_ID in (b.value or "") for b in ops.buttons()):
        raise StepFailed(f"/cpp ops shows no Cancel… button for submission {SUBMISSION_ID}: {ops.readable()[:400]}")
    story.passed.append(f"/cpp ops lists {APP_OFFER}'s in-progress submission with a Cancel… button")
    before = story.latest(WATCH_ORCHESTRATOR)
    reply = story.command(ALICE, f"/cpp cancel {PUBLISHER} {APP_OFFER}")
    if reply.button(CONFIRM_ACTION) is None:
        raise StepFailed(f"the submission cancel's reply has no Confirm button: {reply.readable()[:400]}")
    if api.deletes():
        raise StepFailed("a DELETE reached the submission API before Confirm")
    story.confirm(reply)

    def watch() -> object:
        latest = story.latest(WATCH_ORCHESTRATOR)
        fresh = latest is not None and (before is None or latest.instance_id != before.instance_id)
        return latest if fresh and latest is not None and latest.is_terminal else None

    watcher = story.wait_until(watch, "the submission's watcher to finish")
    deletes = api.deletes()
    if watcher.runtime_status != "Completed" or len(deletes) != 1 or api.product_deletes():
        raise StepFailed(f"the submission's watch ended {watcher.runtime_status} after DELETEs {deletes}")
    replies = [m for m in story.messages() if m.thread_ts and "submission" in (m.text or "")]
    if not replies or "cancelled" not in (replies[-1].text or ""):
        raise StepFailed("the channel was not told that the submission was cancelled")
    story.passed.append(
        f"{APP_OFFER}'s submission cancelled through the Partner Center submission API: one DELETE, followed until gone"
    )
