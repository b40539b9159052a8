"""The cancel orchestration's activity results parse tolerantly (histories written by older code must replay)."""

from __future__ import annotations

from cancel_function.payloads import CancelSent, ReportResult


def test_payloads_parse_tolerantly() -> None:
    assert CancelSent.from_json(None).error.code == "unknown"
    assert ReportResult.from_json(ReportResult("1.1", "channel").to_json()) == ReportResult("1.1", "channel")
