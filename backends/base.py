"""The one Protocol every marketplace API implements (`Backend`), and the neutral values it answers in.

What the app needs of an API, and nothing more:

- sending the cancel (`cancel_function.exactly_once` drives the order): `sender(settings, target)` opens a `Sender`
  on one session - `reachable()`, the safe read that says the API can be reached at all, then `post(request)`, the
  ONE cancel POST, answered as a tagged `cppcancel.sending` result with what the record keeps (`Posted`);
- what to follow when no cancel's answer names it (`to_follow`: a re-run that must not send again, a registered job);

and, beside those, what the watcher and the chats ask of it (see the members below). A backend never knows who asks
(Slack, a webhook, Teams) and the code that asks never knows which backend answers: `backends.registry.backend_for`
picks it by the target's kind.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

if TYPE_CHECKING:
    from cppcancel.contracts import CancelRequest
    from cppcancel.error_info import ErrorInfo
    from cppcancel.sending import Posted
    from cppcancel.settings import Settings
    from cppcancel.targets import Target


class Sender(Protocol):
    """One cancel of one target, on one session of its API: the reachability read, then the one POST."""

    def reachable(self) -> ErrorInfo | None:
        """Whether the API cannot be reached at all (a safe, retried read): the error if so, else None. Any answer -
        even an error - means the API is there, and the POST goes ahead as asked."""
        ...

    def post(self, request: CancelRequest) -> Posted:
        """The one POST (never retried once a byte may have left), answered as a tagged result - never raised."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None: ...


class Backend(Protocol):
    """One marketplace API, as the rest of the app sees it."""

    @property
    def service(self) -> str:
        """Who speaks, in the messages ("the Partner Portal")."""
        ...

    @property
    def caveat(self) -> str | None:
        """What a person must know about a cancelled target of this API, said with every answer about one (a
        configure job may have applied part of its resources); None: nothing."""
        ...

    def sender(self, settings: Settings, target: Target) -> Sender:
        """A `Sender` for `target`'s cancel (its HTTP client is built here, not at import)."""
        ...

    def to_follow(self, settings: Settings, target: Target) -> str | None:
        """What to follow for `target` when no cancel's answer names it (None: nothing can be found quickly)."""
        ...
