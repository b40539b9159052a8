"""The demo's last act: a Product Ingestion configure job cancelled from Slack (the second backend).

The dev host embeds the Product Ingestion stand-in; the demo adds one running job to it (the API lists none: only
whoever started a job knows its ID), then alice types `/cpp cancel ... job=<jobId>`, confirms, and the watcher
follows `configure/{jobId}/status` in the same one channel message until the job says `completed (cancelled)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devhost.demo import Story

JOB_OFFER = "contoso-saas-offer"
JOB_ID = "d4261631-c09d-4c5f-8da4-2b5c1b1d2ecc"
# Settings the demo owns for this backend: the dev host then embeds the stand-in.
CLEARED = ("INGESTION_BASE_URL", "INGESTION_ACCESS_TOKEN")


def job_cancel(story: Story) -> None:
    from devhost.demo import ALICE, CONFIRM_ACTION, PUBLISHER, WATCH_ORCHESTRATOR, StepFailed

    jobs = story.host.emulation.ingestion
    if jobs is None:
        raise StepFailed("the Product Ingestion stand-in did not start (product_ingestion.standin.IngestionStandIn)")
    jobs.add_job(JOB_ID, cancel_after_reads=3)
    before = story.latest(WATCH_ORCHESTRATOR)
    reply = story.command(ALICE, f"/cpp cancel {PUBLISHER} {JOB_OFFER} job={JOB_ID}")
    if reply.button(CONFIRM_ACTION) is None:
        raise StepFailed(f"the job cancel's reply has no Confirm button: {reply.readable()[:400]}")
    story.confirm(reply)

    def job_watch() -> object:
        latest = story.latest(WATCH_ORCHESTRATOR)
        fresh = latest is not None and (before is None or latest.instance_id != before.instance_id)
        return latest if fresh and latest is not None and latest.is_terminal else None

    watcher = story.wait_until(job_watch, "the configure job's watcher to finish")
    if watcher.runtime_status != "Completed" or jobs.cancel_count(JOB_ID) != 1:
        raise StepFailed(f"the job's watch ended {watcher.runtime_status} after {jobs.cancel_count(JOB_ID)} POST(s)")
    replies = [m for m in story.messages() if m.thread_ts and "configure job" in (m.text or "")]
    if not replies or "cancelled" not in (replies[-1].text or ""):
        raise StepFailed("the channel was not told that the configure job was cancelled")
    story.passed.append(f"configure job {JOB_ID[:8]}… cancelled through the Product Ingestion API: one POST")
