"""What a refused request is told (pure): one wording per missing permission, for a person in Slack or for a
webhook caller, and the two refusals of a configure job that the app cannot tie to the offer it was named under.

Safe to show: a refusal names the permission that is missing and how to get it, never what the policy contains, and
never the offer a job really belongs to (a caller who named another offer may not be allowed to know it).
"""

from __future__ import annotations

from enum import StrEnum

JOB_OFFER_MISMATCH = "job_offer_mismatch"
JOB_NOT_REGISTERED = "job_not_registered"
REGISTER_ROUTE = "POST /api/webhooks/jobs"


class Missing(StrEnum):
    """The permission a refused request lacks, from the outermost check inwards."""

    POLICY = "policy"  # no usable policy: everything is refused
    OFFER = "publisher/offer"  # no rule covers this publisher and offer
    CALLER = "user/group"  # rules cover the offer, but not this person (nor their groups) or webhook caller
    WORKSPACE = "workspace"  # ... and this person, but not from this workspace (or Enterprise Grid org)
    CHANNEL = "channel"  # ... and this workspace, but not from this channel
    UNREGISTERED_JOB = "registered job"  # ... and this channel, but the job is unregistered and no rule trusts it


def explain(
    missing: Missing | None, publisher_id: str, offer_id: str, *, webhook_caller: str | None, unknown: bool = False
) -> str:
    """One or two sentences of plain text (no mrkdwn). `unknown`: Slack could not confirm a group membership."""
    target = f"{publisher_id}/{offer_id}"
    if missing is Missing.POLICY:
        return (
            "Cancel permissions are not configured correctly, so every request is refused. "
            "Ask an admin to check the app's CANCEL_POLICY setting."
        )
    if missing is Missing.OFFER:
        return f"Missing permission: publisher/offer. Nobody is allowed to act on {target} through this app."
    if webhook_caller is not None:
        return _for_caller(missing, target, webhook_caller)
    if missing is Missing.CALLER:
        text = f"Missing permission: user/group. You are not on the list of people allowed to act on {target}."
        if unknown:
            text += " Slack could not confirm your user-group membership just now; try again in a minute."
        return text + " Ask the offer's release owner to add you (or your user group)."
    if missing is Missing.WORKSPACE:
        return (
            f"Missing permission: workspace. Requests for {target} are not accepted from this workspace "
            "(or organization)."
        )
    if missing is Missing.UNREGISTERED_JOB:
        return not_registered(None, webhook_caller=None)
    return (
        f"Missing permission: channel. Requests for {target} are not accepted from this channel; "
        "use the channel your team uses for releases."
    )


def _for_caller(missing: Missing | None, target: str, caller: str) -> str:
    """A pipeline has no user group, workspace or channel of its own: its fix is the rule's `callers`."""
    if missing is Missing.CHANNEL:
        return (
            f"Missing permission: channel. Requests for {target} are not accepted with this slackChannel; name the "
            "channel the policy allows for it, or leave slackChannel out if the policy allows that."
        )
    if missing is Missing.UNREGISTERED_JOB:
        return not_registered(None, webhook_caller=caller)
    return (
        f"Missing permission: caller. The webhook caller {caller!r} is not allowed to act on {target}. "
        f"Ask the app's admin to add {caller!r} to the 'callers' of a CANCEL_POLICY rule covering {target}."
    )


def offer_mismatch(job: str, publisher_id: str, offer_id: str) -> str:
    """A registered job named under an offer that is not the one it was registered for."""
    return (
        f"Configure job {job} is registered with this app under another offer, not {publisher_id}/{offer_id}. "
        "A job is cancelled only under the offer its pipeline registered it for, with that offer's permissions: "
        "nothing was sent."
    )


def not_registered(job: str | None, *, webhook_caller: str | None) -> str:
    """An unregistered job, and no policy rule trusts this caller to name its offer (how to fix it, either way)."""
    what = f"Configure job {job}" if job else "The job"
    why = (
        f"{what} is not registered with this app, and the Product Ingestion API addresses a job by its ID alone, so "
        "the app cannot tell which offer it belongs to: nothing was sent."
    )
    register = (
        f"Register each job right after its POST configure ({REGISTER_ROUTE} with publisherId, offerId and jobId), "
        "then cancel it under that offer"
    )
    if webhook_caller is not None:
        return (
            f'{why} {register}; or ask the app\'s admin to set "unregisteredJobs": true on the CANCEL_POLICY rule '
            f"for caller {webhook_caller!r} (it trusts the caller to name the job's offer)."
        )
    return (
        f"{why} Have the pipeline that started it register it ({REGISTER_ROUTE}) right after its POST configure, "
        "then cancel it under that offer; or ask the app's admin whether a CANCEL_POLICY rule should trust you to "
        'name a job\'s offer ("unregisteredJobs": true).'
    )
