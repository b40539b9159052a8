"""What the listeners share for one Settings object: the policy, the group lookups, the audit sink.

Built once per Settings (`runtime`, cached like `build_app`), so cold start and tests stay cheap. Group lookups and
the audit channel copy use a Web API client without the rate-limit retry (which would sleep Retry-After), so a slow
Slack becomes a clear message, not a Slack timeout. The APIs are read through the targets' backends
(`backends.registry`), each with its own short-timeout client for a request a person waits for.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler

from cppcancel import policy
from cppcancel.policy import Membership
from cppcancel.settings import Settings
from slack_app import replies
from slack_app.attempt import Attempt
from slack_app.audit_sink import AuditSink
from slack_app.blockkit import Message
from slack_app.usergroups import UsergroupDirectory
from slack_app.web import web_client

SLACK_LOOKUP_TIMEOUT_S = 1  # usergroups.users.list and the audit copy (slack_sdk takes whole seconds)


@dataclass
class Runtime:
    """The listeners' shared dependencies for one Settings object."""

    settings: Settings
    policy: policy.Policy | None
    directory: UsergroupDirectory
    audit: AuditSink

    def attempt(self, command: str) -> Attempt:
        """A new attempt, audited through this runtime's sink."""
        return Attempt(self.audit, command)

    def group_lookups(self) -> tuple[Membership | None, Membership | None]:
        """(Slack user groups, Entra groups) for one decision: Slack's directory when the policy names a user group
        (another chat's runtime answers its own)."""
        pol = self.policy
        return (self.directory.is_member if pol is not None and pol.names_usergroups else None), None

    def refusal(self, attempt: Attempt, *, under_rule: str | None = None) -> Message | None:
        """Check the policy for the attempt's caller and offer: None when allowed, else the (audited) answer. The
        verdict stays on the attempt (how many must approve a cancel, under which rule). `under_rule`: an approver
        of a two-person request, who must pass the very rule the request was granted under."""
        publisher_id, offer_id = attempt.offer
        is_member, is_entra_member = self.group_lookups()
        subject = attempt.who.subject
        if under_rule is None:
            decision = policy.authorize(
                self.policy, subject, publisher_id, offer_id, is_member=is_member, is_entra_member=is_entra_member
            )
        else:
            decision = policy.authorize_under(
                self.policy,
                under_rule,
                subject,
                publisher_id,
                offer_id,
                is_member=is_member,
                is_entra_member=is_entra_member,
            )
        attempt.verdict = decision
        if decision.allowed:
            return None
        reason = f"missing {decision.missing.value}" if decision.missing else "refused"
        if decision.membership_unknown:
            reason += " (group membership could not be checked)"
        attempt.record("refused", "refused", reason=reason)
        return replies.refusal_message(decision.explain(publisher_id, offer_id), attempt.ref)


def interactive_web_client(settings: Settings) -> WebClient:
    """The shared WebClient's configuration without the rate-limit retry: inside a 3-second Slack request a
    lookup must fail fast rather than sleep for Retry-After."""
    base = web_client(settings)
    return WebClient(
        token=base.token,
        base_url=base.base_url,
        timeout=SLACK_LOOKUP_TIMEOUT_S,
        headers=dict(base.headers),
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1)],
    )


@functools.lru_cache(maxsize=4)
def runtime(settings: Settings) -> Runtime:
    quick = interactive_web_client(settings)
    return Runtime(
        settings=settings,
        policy=policy.load_policy_logged(settings.cancel_policy),
        directory=UsergroupDirectory(quick),
        audit=AuditSink(settings.audit_channel_id, quick),
    )
