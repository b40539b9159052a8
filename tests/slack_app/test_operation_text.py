"""The Slack rendering of operations and steps: Partner Portal HTML is shown as inert text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from slack_app import operation_text


def test_html_is_shown_as_inert_text() -> None:
    assert operation_text.html_to_text("Scanning <b>images</b> &amp; disks<br/>now <!channel> &lt;@U1&gt;") == (
        "Scanning images &amp; disks\nnow &lt;@U1&gt;"
    )
    assert operation_text.html_to_text('<a href="https://x">preview link</a>, then <b>Go Live</b>.') == (
        "preview link, then Go Live."
    )


@given(st.text(max_size=300))
def test_html_to_text_never_leaves_slack_control_characters(fragment: str) -> None:
    text = operation_text.html_to_text(fragment)
    assert "<" not in text and ">" not in text
    assert "&" not in text.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "")
