"""Slack: the command grammar, the Bolt listeners, the Block Kit rendering, and the Azure Functions <-> Bolt adapter.

`grammar.py` is the command grammar (`/cpp ops|status|cancel|help`); who may do what is decided by the policy in
`cppcancel/policy.py`, applied per caller by `runtime.py`. `bolt_app.build_app` builds the Bolt app that
`cancel_function.slack_routes` serves through `functions_adapter.py`; its listeners are in `listeners/` (one per command
and button, over the shared frame in `listeners/frame.py`), reading who is calling from `payload.py`, the buttons'
values through `actions.py` (which writes and reads every button value, the Stop button's too), leaving one audit record
per `attempt.py`, and reaching the durable client through `durable_port.py`. Rendering is pure and built from one
vocabulary: `blockkit.py` (blocks and the one `Message` type), `mrkdwn.py` (escaping, code, times), `operation_text.py`
(the Slack rendering of an operation and its steps), `advice.py` (what to do next); on top of them `replies.py` (every
answer to a command or click, and a target shown by its offer's operations), `target_replies.py` (a target shown by its
own status, and what an offer has running) and `progress.py` (the channel report and the watcher's message),
`approval_message.py` (the two-person rule's request with Approve and Withdraw, and the answers to them). `chat_port.py`
is Slack behind the chat port (`cppcancel.chat`): the announcement, the pointer, the message updated in place and its
thread reply, and the approval request. The APIs are read through the targets' backends (`backends.registry`), never by
asking which API a target is on. Also here: `deadline.py` (when the ack must be out: from the handler's start and from
Slack's send time), `later.py` and `later_answer.py` (the answer that did not fit in the ack, delivered by a durable
follow-up through the response_url), `usergroups.py`, `audit_sink.py` (the audit channel copy), `web.py` (the Web API
client) and `manifest.yaml`. Nothing heavy is imported here: the pure modules stay importable without slack_bolt.
"""
