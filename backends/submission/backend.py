"""The Partner Center submission API as a `backends.base.Backend`: an Azure Application offer's in-progress
submission (`SubmissionTarget`).

The cancel is `DELETE /products/{productId}/submissions/{submissionId}` (204), decided from what was read just
before: the sender's reachability read is the offer's product and the submission itself, and the DELETE goes only
when that read says the product is an Azure Application and the submission InProgress (`decisions.cancel_verdict`);
otherwise nothing is sent and the person reads why ("too late; it has passed certification"). Any answer but 204 is
shown with the API's own text and never sent again (the record stops a re-run; `Failed` is final). The DELETE has
no operation: a 204 is `accepted`, and the watcher follows the submission by reading the product's submissions
again until it is gone or no longer in progress (`reads.follow`).

Deny by default: a publisher outside SUBMISSION_API_PUBLISHERS is never looked up (the API finds products by offer
ID across the whole Partner Center account) - `running` answers nothing for it and `refusal` refuses its targets.
The HTTP client is imported when a read or the cancel runs, never by importing this module.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from backends.base import Asker, ClientSender, Look, PollResult, Refusal, Running
from backends.http import errors
from backends.http.within import within
from backends.submission.words import SERVICE
from cppcancel.error_info import ErrorInfo
from cppcancel.targets import SubmissionTarget

if TYPE_CHECKING:
    from backends.base import Backend
    from backends.submission.client import SubmissionClient
    from backends.submission.models import Product, Submission
    from cppcancel.contracts import CancelRequest, WatchRequest
    from cppcancel.policy import Verdict
    from cppcancel.sending import Posted
    from cppcancel.settings import Settings
    from cppcancel.targets import Target

log = logging.getLogger(__name__)

INTERACTIVE_TIMEOUT_S = (1.0, 1.8)  # connect, read: within a request a person waits for (Slack's 3 s)
LIST_BUDGET_S = 2.0  # what `/cpp ops` and a bare `/cpp cancel` give the listing of an offer's submissions
PUBLISHER_UNVERIFIED = (
    "The Partner Center submission API finds offer {offer} across the whole account, which serves several "
    "publishers ({served}), and does not say whose it is: a cancel there needs permission on it under each of them."
)
NOT_SERVED = (
    "Publisher {publisher} is not one this deployment serves on the Partner Center submission API "
    "(SUBMISSION_API_PUBLISHERS), so its submissions are not looked up or cancelled here."
)


def submission_of(target: Target) -> SubmissionTarget:
    """The target as this backend's own (the registry only hands it submission targets)."""
    if not isinstance(target, SubmissionTarget):
        raise TypeError(f"the submission backend cancels Azure Application submissions, not {target!r}")
    return target


def serves(settings: Settings, publisher_id: str) -> bool:
    """Whether SUBMISSION_API_PUBLISHERS lists the publisher (nothing is read for any other)."""
    return publisher_id.lower() in settings.submission_api.publishers


def _unverified_publisher(settings: Settings, target: SubmissionTarget, asker: Asker) -> Refusal | None:
    """`refusal`'s check across the account's other publishers (none: the named publisher is the account's)."""
    others = [p for p in settings.submission_api.publishers if p != target.publisher_id.lower()]
    if not others or asker.policy is None:  # no policy: the policy check before this one has refused already
        return None
    from cppcancel.policy import authorize

    policy = asker.policy

    def verdict(publisher: str) -> Verdict:
        return authorize(
            policy,
            asker.subject,
            publisher,
            target.offer_id,
            is_member=asker.is_member,
            is_entra_member=asker.is_entra_member,
        )

    named = verdict(target.publisher_id)
    if all(verdict(p).allowed and verdict(p).approvals <= named.approvals for p in others):
        return None
    served = ", ".join(settings.submission_api.publishers)
    return Refusal("publisher_unverified", PUBLISHER_UNVERIFIED.format(offer=target.offer_id, served=served))


def _client(settings: Settings, *, quick: bool = False) -> SubmissionClient:
    from backends.submission.client import SubmissionClient

    return SubmissionClient.from_settings(settings, quick=INTERACTIVE_TIMEOUT_S if quick else None)


class SubmissionSender(ClientSender):
    """One cancel of one submission on one session: the read it is decided from, then the one DELETE."""

    def __init__(self, settings: Settings, target: Target) -> None:
        self._target = submission_of(target)
        self._client = _client(settings)
        self._read: tuple[Product, Submission] | errors.ApiError | None = None
        super().__init__(self._client)

    def reachable(self) -> ErrorInfo | None:
        """The product and the submission, kept for `post`. Only "could not connect at all" stops the cancel here;
        any other answer is what `post` decides from (and tells)."""
        try:
            self._read = self._product_and_submission()
        except errors.ApiError as exc:
            if exc.code == "connection_error" and not exc.outcome_unknown:
                return exc.error_info()
            self._read = exc
        return None

    def _product_and_submission(self) -> tuple[Product, Submission]:
        target = self._target
        product = self._client.find_product(target.publisher_id, target.offer_id)
        if product is None:
            raise errors.NotFound(
                f"{SERVICE.capitalize()} has no product for offer {target.offer_id}.", service=SERVICE
            )
        return product, self._client.get_submission(product.id, target.submission_id)

    def post(self, request: CancelRequest) -> Posted:
        from backends.submission import reads
        from backends.submission.client import Cancelled
        from cppcancel.sending import Answer, Posted, Sent  # only a send needs them (kept off the Slack ack path)

        read = self._read
        if read is None:
            try:
                read = self._product_and_submission()
            except errors.ApiError as exc:
                read = exc
        if isinstance(read, errors.ApiError):  # nothing was sent: what the read said, as a failure
            return _failed(read)
        try:
            done: Cancelled = self._client.cancel(*read)
        except errors.ApiError as exc:  # not cancellable (nothing sent), or the DELETE's answer was not 204
            return _failed(exc)
        url = reads.follow_url(self._client.base_url, done.product_id, done.submission_id, delete_answered=True)
        return Posted(Sent("accepted", done.status_code, url), Answer("accepted", done.status_code, url))


def _failed(exc: errors.ApiError) -> Posted:
    from cppcancel.sending import Answer, Failed, Posted

    return Posted(Failed(exc.error_info()), Answer("failed", exc.status_code, message=exc.describe()))


class SubmissionBackend:
    """The Partner Center submission API: Azure Application offers (managed applications, solution templates)."""

    service = SERVICE

    def sender(self, settings: Settings, target: Target) -> SubmissionSender:
        return SubmissionSender(settings, target)

    def to_follow(self, settings: Settings, target: Target) -> str | None:
        """The submission's URL (the product read quickly), so a re-run that must not send again still follows it."""
        from backends.submission import reads

        subject = submission_of(target)
        client = _client(settings, quick=True)
        try:
            product = client.find_product(subject.publisher_id, subject.offer_id)
            if product is None:
                return None
            return reads.follow_url(client.base_url, product.id, subject.submission_id, delete_answered=False)
        except errors.ApiError:
            return None
        finally:
            client.close()

    # -- reading, for the chats --------------------------------------------------------------------------------------

    def look(self, settings: Settings, target: Target, *, deadline: float | None = None) -> Look:
        """The submission, its workflow's steps and whether it may still be cancelled (too late: `refusal`)."""
        from backends.submission import reads

        subject = submission_of(target)
        if not serves(settings, subject.publisher_id):
            raise errors.Forbidden(NOT_SERVED.format(publisher=subject.publisher_id), service=SERVICE)
        client = _client(settings, quick=deadline is not None)
        try:
            if deadline is None:
                return reads.read_one(client, subject)
            return within(deadline, lambda: reads.read_one(client, subject), SERVICE)
        finally:
            client.close()

    def running(self, settings: Settings, publisher_id: str, offer_id: str) -> list[Running]:
        """The offer's submissions in flight, as the API lists them - only for a publisher this deployment serves."""
        try:
            return self.offer_claim(settings, publisher_id, offer_id) or []
        except errors.ApiError as exc:
            log.warning("the submissions of %s/%s could not be listed: %s", publisher_id, offer_id, exc.describe())
            return []

    def offer_claim(self, settings: Settings, publisher_id: str, offer_id: str) -> list[Running] | None:
        """An Azure Application offer of a publisher this deployment serves is this API's: its submissions in flight
        (within LIST_BUDGET_S). None for any other publisher (never looked up) or offer (no such product)."""
        if not serves(settings, publisher_id):
            return None
        from backends.submission import reads

        client = _client(settings, quick=True)
        try:
            return within(
                time.monotonic() + LIST_BUDGET_S, lambda: reads.in_flight(client, publisher_id, offer_id), SERVICE
            )
        finally:
            client.close()

    def refusal(self, settings: Settings, target: Target, asker: Asker) -> Refusal | None:
        """A publisher this deployment does not serve is refused here, whoever asks (the policy applies on top).

        The API finds a product by offer ID across the whole account and says nothing of its publisher, so the
        publisher a caller names is only a claim: when the account serves several publishers, the offer may be any
        of theirs. The caller must then be allowed on the offer under each of them, and no rule of another may ask
        more approvals than the named one's - decided from this deployment's settings and policy, never the claim."""
        subject = submission_of(target)
        if not serves(settings, subject.publisher_id):
            return Refusal("publisher_not_served", NOT_SERVED.format(publisher=subject.publisher_id))
        return _unverified_publisher(settings, subject, asker)

    # -- watching ------------------------------------------------------------------------------------------------------

    poll_activity = "poll_submission"

    def poll_input(self, watch: WatchRequest) -> dict[str, Any]:
        return {"operationUrl": watch.operation_url, "submissionId": submission_of(watch.target).submission_id}

    def follow(self, settings: Settings, data: Mapping[str, Any]) -> PollResult:
        """Read the product's submissions again (the DELETE has no operation to follow)."""
        from backends.submission import reads

        client = _client(settings)
        try:
            return reads.follow(client, data)
        finally:
            client.close()

    def watch_ended(self, settings: Settings, watch: WatchRequest, ending: Mapping[str, Any]) -> None:
        """Nothing of the submission API's is kept beyond the lock, which the watcher's end releases itself."""


BACKEND: Backend = SubmissionBackend()
