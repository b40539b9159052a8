"""Where a Teams answer goes: a conversation at the Bot Connector that sent it - one string for the chat port (pure).

The cancel pipeline keeps a request's place as one conversation ID (`SlackTarget.channel_id`, the chat port's
`ChatUpdate.channel`), and a Teams conversation is only reachable through the `serviceUrl` of the activity that came
from it (the Bot Framework's conversation reference: service URL + conversation ID). So Teams' conversation ID in
the pipeline is both, as `"<conversationId> <serviceUrl>"`: neither contains a space (Teams' IDs are
`19:…@thread.tacv2;messageid=…` or `a:…`; a service URL is a URL). The service URL comes only from an activity whose
token the SDK validated (`teams_app.functions_adapter`), and the chat port sends only under it
(`teams_app.outbound`), checking its shape again when it reads it back from durable state.
"""

from __future__ import annotations

from dataclasses import dataclass

from teams_app.functions_adapter import usable_service_url


@dataclass(frozen=True)
class Address:
    """A Teams conversation (`conversation_id`) at its Bot Connector (`service_url`)."""

    conversation_id: str
    service_url: str

    def to_text(self) -> str:
        return f"{self.conversation_id} {self.service_url}"

    @classmethod
    def parse(cls, text: str) -> Address | None:
        """The address written by `to_text`, or None when `text` is not one (or names an unusable service URL)."""
        conversation, _, service_url = text.rpartition(" ")
        if not conversation or " " in conversation or not usable_service_url(service_url):
            return None
        return cls(conversation, service_url)
