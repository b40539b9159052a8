"""The demo's last act: a Product Ingestion configure job cancelled from Slack (the second backend).

The dev host embeds the Product Ingestion stand-in; the demo adds one running job to it (the API lists none: only
whoever started a job knows its ID). The release pipeline that started it registers it, signed, with
`POST /api/webhooks/jobs` - that is what ties the job to its offer, so that it is cancelled on that offer's
permissions - then alice types `/cpp cancel ... job=<jobId>`, confirms, and the watcher follows
`configure/{jobId}/status` in the same one channel message until the job says `completed (cancelled)`.
"""

from __future__ import annotations

import base64
import json
import secrets
import urllib.request
import uuid
from datetime import UTC, datetime

from devhost.demo.story import ALICE, CONFIRM_ACTION, PUBLISHER, WATCH_ORCHESTRATOR, StepFailed, Story

JOB_OFFER = "contoso-saas-offer"
JOB_ID = "d4261631-c09d-4c5f-8da4-2b5c1b1d2ecc"
PIPELINE = "release-pipeline"
# The policy rule of the pipeline that registers its jobs (and the demo's webhook key, made for this run only).
PIPELINE_RULE = {"publishers": ["contoso"], "offers": ["*"], "users": [], "callers": [PIPELINE]}
_KEY = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")
# Settings the demo owns for this backend: the dev host then embeds the stand-in.
CLEARED = ("INGESTION_BASE_URL", "INGESTION_ACCESS_TOKEN")


def settings() -> dict[str, str]:
    """The demo's webhook key, bound to the pipeline."""
    return {"WEBHOOK_SECRET": f"{PIPELINE}={_KEY}"}


def register(story: Story) -> None:
    """The pipeline's `POST /api/webhooks/jobs`, signed with Standard Webhooks as any pipeline would sign it."""
    from standardwebhooks.webhooks import Webhook

    body = json.dumps({"publisherId": PUBLISHER, "offerId": JOB_OFFER, "jobId": JOB_ID, "requestedBy": PIPELINE})
    msg_id, now = f"msg_{uuid.uuid4().hex}", datetime.now(UTC)
    headers = {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(_KEY).sign(msg_id, now, body),
    }
    url = f"{story.host.origin}/{story.host.host_json.route_prefix}/webhooks/jobs"
    story.talk.say(f"  ({PIPELINE} registers configure job {JOB_ID[:8]}… of {PUBLISHER}/{JOB_OFFER}: POST {url})")
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")  # noqa: S310 - http://
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:  # noqa: S310 - the local dev host's origin
            status = answer.status
    except urllib.error.HTTPError as refused:
        raise StepFailed(f"registering the job answered HTTP {refused.code}: {refused.read()[:300]!r}") from None
    if status != 201:
        raise StepFailed(f"registering the job answered HTTP {status}, not 201")
    story.passed.append(f"{PIPELINE} registered configure job {JOB_ID[:8]}… under {PUBLISHER}/{JOB_OFFER}")


def job_cancel(story: Story) -> None:
    jobs = story.host.emulation.ingestion
    if jobs is None:
        raise StepFailed("the Product Ingestion stand-in did not start (devhost.standins.ingestion.IngestionStandIn)")
    jobs.add_job(JOB_ID, cancel_after_reads=3)
    register(story)
    before = story.latest(WATCH_ORCHESTRATOR)  # the registration's own watcher: not the cancel's
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
