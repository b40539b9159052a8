"""Write an audit record (always) and post a copy to AUDIT_CHANNEL_ID (when set) - the post can never break a flow.

The JSON log line written by `cppcancel.audit.emit` is the record of truth. The channel copy is a convenience for
people, so it is best effort: it runs on a small thread pool and the caller waits for it at most `wait_s`, which
keeps slash-command answers inside Slack's 3-second window even when Slack's Web API is slow; a failure or a late
post is logged and otherwise ignored. Orchestration activities that want the channel copy call `AuditSink.record`
too; everyone else can call `cppcancel.audit.emit` directly.
"""

from __future__ import annotations

import concurrent.futures
import logging

from slack_sdk import WebClient

from cppcancel import audit
from cppcancel.audit import AuditRecord
from cppcancel.pools import shared_pool
from slack_app import replies

log = logging.getLogger("slack_app.audit_sink")

DEFAULT_WAIT_S = 0.5


class AuditSink:
    """`record(AuditRecord)`: emit the log line, then (optionally) post it to a channel."""

    def __init__(self, channel_id: str | None, client: WebClient | None, *, wait_s: float = DEFAULT_WAIT_S) -> None:
        self.channel_id = channel_id
        self._client = client
        self._wait_s = wait_s

    def record(self, record: AuditRecord) -> AuditRecord:
        clean = audit.emit(record)
        if self.channel_id and self._client is not None:
            future = shared_pool("audit-post", 2).submit(self._post, clean)
            try:
                future.result(timeout=self._wait_s)
            except concurrent.futures.TimeoutError:
                log.info("audit post to %s still in flight (ref %s)", self.channel_id, clean.correlation_id)
        return clean

    def _post(self, record: AuditRecord) -> None:
        assert self._client is not None and self.channel_id is not None
        try:
            self._client.chat_postMessage(channel=self.channel_id, **replies.audit_message(record).to_kwargs())
        except Exception as exc:  # the copy is optional: never let it break or delay the flow
            log.warning(
                "could not post the audit record (ref %s) to %s: %s",
                record.correlation_id,
                self.channel_id,
                type(exc).__name__,
            )
