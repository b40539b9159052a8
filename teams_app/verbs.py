"""The verbs of the bot's `Action.Execute` actions: the names its cards send back, and `teams_app.clicks` answers.

A card's data is not trusted (anyone can send any verb with any data): each verb is checked for whoever sent it.
"""

REFRESH_CANCEL = "refreshCancel"  # a confirmation's refresh: the asker's version, with Confirm when allowed
CONFIRM_CANCEL = "confirmCancel"
ABORT_CANCEL = "abortCancel"  # Never mind
OPEN_CANCEL = "openCancel"  # ops' Cancel…: a confirmation of that target
STOP_WATCH = "stopWatch"  # the progress card's Stop watching
APPROVE_CANCEL = "approveCancel"  # a two-person request's Approve (`cppcancel.approvals`)
WITHDRAW_CANCEL = "withdrawCancel"  # its Withdraw (only whoever asked may)
