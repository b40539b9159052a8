"""One Bolt listener per slash command and button, each a small function over the shared frame (`frame.py`).

- `command.py`: `/cpp ...` - parse (`slack_app.grammar`), check the policy, answer in the ack body.
- `lookup.py`: the answers that read an API (ops, status, the cancel confirmation), for any target through its
  backend: inline when the read fits before the ack's deadline, else "Looking up…" now and the answer later
  (`slack_app.later`).
- `confirmation.py`: the "are you sure" message shared by `/cpp cancel` and the Cancel… button.
- `targets.py`: what a target demands beyond the policy (its backend's rule), and what naming an offer alone means.
- `open_cancel.py`, `confirm_cancel.py`, `abort_cancel.py`, `stop_watching.py`: the buttons, named by action ID;
  `approve_cancel.py`: Approve and Withdraw of a two-person request (`cppcancel.approvals`).

`bolt_app.build_app` registers them; `frame.click_listener` gives every button the same frame (ack at once, who
clicked, one audit record, a ref on every answer), so each listener only takes the `Click` it works on.
"""
