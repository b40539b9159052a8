"""What the Bolt request context carries from the HTTP trigger to the listeners, per invocation.

- `context["durable"]` (`CONTEXT_KEY`): the invocation's durable client, as the one blocking port of the core
  (`cppcancel.start_cancel.DurableClient`): status reads, starts (Confirm, through `CancelStarter`; the deferred
  answer) and events (Stop watching). The trigger puts `durable_bridge.DurableBridge` there;
  slack_app does not import the package that hosts it.
- `context["ack_clock"]` (`ACK_CLOCK_KEY`): the request's `slack_app.deadline.AckClock` - when the ack must be out,
  worked out before Bolt was even built.

Both are per invocation, so they reach the listeners through the Bolt request context, not through the app, which
is built once per Settings.
"""

from __future__ import annotations

CONTEXT_KEY = "durable"
ACK_CLOCK_KEY = "ack_clock"
