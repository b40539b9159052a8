"""The watch domain: what a thread reply announces, the custom status for HTTP queries, the API's words as text."""

from __future__ import annotations

import json

from poll_function.watch_view import custom_status, html_to_text, status_key
from tests.poll_function.operations import cancel_operation, operation, view


def test_status_key_changes_with_the_operation_status_and_at_the_end() -> None:
    assert status_key(view()) == "operation:running"
    assert status_key(view(operation=operation(cancel_operation("notStarted")))) == "operation:notStarted"
    assert status_key(view(phase="stopped")) == "stopped"


def test_custom_status_mirrors_the_progress() -> None:
    status = custom_status(view(error="reading failed once"))
    assert status["phase"] == "watching" and status["operationStatus"] == "running"
    assert status["currentStep"] == "Stopping the publish" and status["progress"] == 47
    assert status["steps"][0] == {"name": "Cancel requested", "status": "complete", "progress": 100}
    assert status["elapsedS"] == 185 and status["polls"] == 4 and status["error"] == "reading failed once"
    assert status["updatedAt"] == "2026-11-25T10:03:05Z"
    json.dumps(status)


def test_html_to_text_strips_tags_and_decodes_entities() -> None:
    assert html_to_text("<p>Step<br/>completed &amp; <i>verified</i>.</p>") == "Step completed & verified."
