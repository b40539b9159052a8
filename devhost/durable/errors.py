"""What the durable engine refuses, one class per refusal, and the instance-ID rules behind one of them.

They are separate classes because the Durable HTTP API (`api`) answers each with its own status code, as the
extension does, and the SDK branches on those: 400 for an unknown orchestrator or a bad ID, 500 for a start of a live
instance ID (the extension lets DurableTask's OrchestrationAlreadyExistsException fall through to its catch-all),
404 for an unknown instance, 410 for a finished one.
"""

from __future__ import annotations

# DTFx refuses these in instance IDs (they break storage keys and the HTTP API's URLs), so refuse them here too.
_FORBIDDEN_ID_CHARS = frozenset("/\\#?")
MAX_INSTANCE_ID_LENGTH = 256


class OrchestratorNotFound(LookupError):
    pass


class InvalidInstanceId(ValueError):
    pass


class InstanceAlreadyRunning(RuntimeError):
    """A start of an instance ID that is Pending, Running, ContinuedAsNew or Suspended (DurableTask.Core's
    OrchestrationAlreadyExistsException, an InvalidOperationException)."""

    exception_type = "DurableTask.Core.Exceptions.OrchestrationAlreadyExistsException"

    def __init__(self, instance_id: str, status: str) -> None:
        super().__init__(f"An Orchestration instance with the status {status} already exists: {instance_id}")
        self.instance_id = instance_id
        self.status = status


class InstanceNotFound(LookupError):
    pass


class InstanceGone(RuntimeError):
    """The instance exists but has finished (Completed/Failed/Terminated): it takes no more events."""


class InstanceStillRunning(RuntimeError):
    pass


def validate_instance_id(instance_id: str) -> None:
    """Raise InvalidInstanceId for an ID DTFx would refuse: empty, too long, or with a forbidden character."""
    bad = sorted({c for c in instance_id if c in _FORBIDDEN_ID_CHARS or ord(c) < 32 or ord(c) == 127})
    if not instance_id.strip() or len(instance_id) > MAX_INSTANCE_ID_LENGTH or bad:
        raise InvalidInstanceId(
            f"Instance ID {instance_id[:60]!r} is not valid: 1-{MAX_INSTANCE_ID_LENGTH} characters, "
            "none of / \\ # ? or control characters."
        )
