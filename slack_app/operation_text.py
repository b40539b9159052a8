"""The Slack rendering of a Partner Portal operation and its steps (pure): the one step renderer, summaries, times.

Both front ends show operations: the command replies (`/cpp ops`, `/cpp status`, the confirmation) and the watcher's
progress message. They have always drawn a step differently - the replies with Slack `:shortcodes:` and commas, the
progress message with emoji, ` · ` and the step's latest note as a quote - and the progress message travels in
orchestration histories, so each keeps its spelling: one renderer, `step_line`, with the two spellings as `StepStyle`
values (`REPLY_STEPS`, `PROGRESS_STEPS`).

Text from the Partner Portal (`messageHtml`, errors) is shown as plain text: tags stripped, entities decoded, then
`&`, `<`, `>` escaped so it can neither format, link nor mention (`<!channel>`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from backends.http.operation import Message as ApiMessage
from backends.http.operation import Operation, Step, StepStatus
from slack_app import mrkdwn
from slack_app.mrkdwn import code, escape, slack_time, truncate

_ACTIVE = frozenset({StepStatus.IN_PROGRESS, StepStatus.WAITING, StepStatus.BLOCKED})
_ALL = frozenset(StepStatus)


def html_to_text(fragment: str) -> str:
    """The CPP's `messageHtml` as escaped mrkdwn (line breaks kept, tags dropped): safe to put in a message."""
    return escape(mrkdwn.html_to_text(fragment))


def _reply_note(note: ApiMessage) -> str | None:
    return f"\n      _{truncate(html_to_text(note.html), 300)}_"


_LEVEL_PREFIX = {"warning": "⚠️ ", "error": "❗ "}


def _progress_note(note: ApiMessage) -> str | None:
    text = mrkdwn.html_to_text(note.html, single_line=True)
    return f"\n> {_LEVEL_PREFIX.get(note.level.lower(), '')}{escape(truncate(text, 500))}" if text else None


# Each step status in the two spellings: (command replies, progress message).
_ICONS: dict[StepStatus, tuple[str, str]] = {
    StepStatus.NOT_STARTED: (":white_circle:", "⚪"),
    StepStatus.IN_PROGRESS: (":arrows_counterclockwise:", "🔄"),
    StepStatus.WAITING: (":hourglass_flowing_sand:", "⏸️"),
    StepStatus.BLOCKED: (":no_entry_sign:", "⛔"),
    StepStatus.REJECTED: (":x:", "❌"),
    StepStatus.COMPLETE: (":white_check_mark:", "✅"),
    StepStatus.CANCELED: (":heavy_minus_sign:", "🛑"),
    StepStatus.FAILED: (":x:", "❌"),
    StepStatus.UNKNOWN: (":grey_question:", "❔"),
}


@dataclass(frozen=True)
class StepStyle:
    """How one front end spells a step: `{icon} *{name}*{dash}{status}{sep}{progress}{sep}{time frame}{note}`.

    The progress percentage, the estimated time frame and the latest note are shown only for the statuses listed.
    """

    icons: Mapping[StepStatus, str]
    dash: str
    sep: str
    progress_for: frozenset[StepStatus]
    time_frame_prefix: str
    time_frame_for: frozenset[StepStatus]
    note: Callable[[ApiMessage], str | None]
    note_for: frozenset[StepStatus]


REPLY_STEPS = StepStyle(
    icons={status: reply for status, (reply, _) in _ICONS.items()},
    dash=" - ",
    sep=", ",
    progress_for=_ACTIVE,
    time_frame_prefix="",
    time_frame_for=_ALL - {StepStatus.COMPLETE},
    note=_reply_note,
    note_for=_ALL - {StepStatus.COMPLETE},
)

PROGRESS_STEPS = StepStyle(
    icons={status: progress for status, (_, progress) in _ICONS.items()},
    dash=" — ",
    sep=" · ",
    progress_for=_ALL - {StepStatus.NOT_STARTED},
    time_frame_prefix="est. ",
    time_frame_for=_ALL,
    note=_progress_note,
    note_for=_ALL,
)


def status_word(raw: str | None, normalised: str) -> str:
    """The API's own status word (escaped), else the normalised one."""
    return escape(raw) if raw else normalised


def step_line(step: Step, style: StepStyle = REPLY_STEPS) -> str:
    """One step: icon, name, status and - where the style shows them - progress, time frame and latest note."""
    facts = [status_word(step.raw_status, step.status.value)]
    if step.progress_percentage is not None and step.status in style.progress_for:
        facts.append(f"{step.progress_percentage}%")
    if step.estimated_time_frame and step.status in style.time_frame_for:
        facts.append(style.time_frame_prefix + escape(step.estimated_time_frame))
    icon = style.icons[step.status]
    line = f"{icon} *{escape(step.name)}*{style.dash}{style.sep.join(facts)}"
    if step.messages and step.status in style.note_for:
        line += style.note(step.messages[-1]) or ""
    return line


def kind(operation: Operation) -> str:
    """`publish`, `cancel`...: what the operation is, in the API's words."""
    return (operation.submission_type or "operation").lower()


def operation_summary(operation: Operation) -> str:
    """One line: kind, status, current step, progress."""
    parts = [f"{code(kind(operation))} *{status_word(operation.raw_status, operation.status.value)}*"]
    step = operation.current_step
    if step is not None and operation.is_in_flight:
        parts.append(f"on step *{escape(step.name)}*")
    progress = operation.progress_percentage
    if progress is not None and operation.is_in_flight:
        parts.append(f"{progress}% overall")
    return " · ".join(parts)


def operation_times(operation: Operation) -> str:
    """When it started and last changed (each reader's time zone), and its ID."""
    times = []
    if operation.created_at:
        times.append(f"started {slack_time(operation.created_at)}")
    if operation.last_action_at:
        times.append(f"last change {slack_time(operation.last_action_at)}")
    if operation.id:
        times.append(f"id {code(operation.id)}")
    return " · ".join(times)


def operation_error(operation: Operation) -> str | None:
    """The operation's own error, as a line to show; None when it has none."""
    return f":x: {truncate(html_to_text(operation.error), 1000)}" if operation.error else None


def step_position(operation: Operation) -> str:
    """`step 2 of 3: Stopping the publish`, or "" when no step is current."""
    current = operation.current_step
    if current is None or not operation.steps:
        return ""
    index = next(i for i, step in enumerate(operation.steps) if step is current) + 1
    return f"step {index} of {len(operation.steps)}: {escape(current.name)}"
