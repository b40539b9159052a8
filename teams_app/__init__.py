"""Microsoft Teams: the same cancel from a Teams channel or chat - the inbound seam, its auth, and the plan.

Built so far (issue #25's groundwork; the commands come with the chat port of issue #23):
- routes.py: the HTTP trigger `POST /api/messages` on `bp` (registered in function_app.py). No TEAMS_APP_ID: 401.
  Imports nothing of the SDK: Slack's ack path and app indexing never load it.
- runtime.py: one SDK `App` per worker, on a thread and event loop of its own (the SDK blocks in places: key
  fetching, its import), built and initialized on the first Teams request.
- sdk_app.py: the `App`, every option explicit (credentials, cloud with the OpenID metadata URL, service URL, OAuth
  URL, auth never skipped...), so the SDK's own environment names (CLIENT_ID, CLIENT_SECRET, TENANT_ID, SERVICE_URL,
  CLOUD, OAUTH_URL, DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS, a `.env`) change nothing.
- functions_adapter.py: `func.HttpRequest` <-> the SDK's `{body, headers}` / `{status, body}`, the
  `http_server_adapter` it registers on, and the checks before the SDK (Bot Framework issuer, a `serviceUrl` the
  token can vouch for); the SDK validates the JWT (keys, issuer, audience, lifetime, `serviceurl` claim).
- outbound.py: the bot's token goes only under the validated activity's `serviceUrl` (an SDK HTTP middleware).
- tokens.py: the bot identity's tokens (Bot Connector, Graph): the user-assigned managed identity, or static ones
  for local runs; the SDK's `token=` callable.
- handlers.py: a message is a command (commands.py), a card click an `Action.Execute` answered inline (clicks.py);
  the blocking work runs off the Teams loop. turn.py: the Teams caller, attempt (audited as `teams`) and runtime
  (the policy with Entra groups), the Slack front end's own types with what Teams changes. cards.py: the answers,
  rendered once as Slack's (the same words), as Adaptive Cards. address.py: a conversation and its serviceUrl as
  the one conversation ID the pipeline carries.
- graph.py: Microsoft Graph `checkMemberGroups` for the policy's `entraGroups` (`is_entra_member`).

The plan for the commands, cards and watcher (to build on the chat port, `cppcancel/chat.py` of issue #23):
- Who is asking: `policy.Subject(chat="teams", user_id=from.aadObjectId, tenant_id=conversation.tenantId,
  teams_team_id=channelData.team.id, channel_id=channelData.channel.id)`; groups through
  `graph.GraphGroups.membership(policy)` only when `policy.entra_groups` is not empty. In a channel the bot gets
  only messages that @mention it: the text is `activity.strip_mentions_text()`, parsed by `slack_app.grammar` (the
  one grammar of both chats; it moves out of slack_app when the port does).
- Confirm: the command's answer is a card posted to the conversation (`ctx.send`), showing what will be cancelled
  and who asked, with **no** buttons in the version everyone sees. Its `refresh` is an `Action.Execute`
  (`verb: "refreshCancel"`, data: the confirmation's ticket) with `refresh.userIds` = the asker (Teams user IDs,
  `29:…`; at most 60); Teams then sends that user an `adaptiveCard/action` invoke with `trigger: "automatic"`, and
  the answer (`AdaptiveCardActionCardResponse`: `{statusCode: 200, type: application/vnd.microsoft.card.adaptive,
  value: card}`, in the same HTTP response) is the card with **Confirm cancel** (`Action.Execute`,
  `verb: "confirmCancel"`) - only if the policy allows that user. `refresh.userIds` is *not* access control: anyone
  can send the verb, so every `confirmCancel` re-checks the policy for whoever clicked (`from.aadObjectId`), and
  starts the cancel through the start-once service with the instance ID from the ticket (twenty clicks, one
  cancel; two cards of one offer, one cancel, as the record and lock already ensure). The clicker's refreshed card
  says what happened.
- Progress: keep `{serviceUrl, conversation.id, activityId}` of the first card (from `SentActivity.id`; the
  serviceUrl only from a validated activity) in the orchestration input. The watcher replaces that card in place -
  `PUT /v3/conversations/{conversationId}/activities/{activityId}` (the SDK: `ApiClient.conversations
  .activities(...).update`, or `send` of an activity with `id` set, activity_send.py) - inside
  `outbound.towards(serviceUrl)`, and posts one reply per status change: `POST .../activities` with `replyToId` =
  the card's ID (`ConversationActivityClient.reply`), or in a channel to the thread `{conversationId};messageid=`
  (`utils.to_threaded_conversation_id`, what `App.reply` uses). **Stop watching** is an `Action.Execute`
  (`verb: "stopWatch"`) answered inline like Confirm. The final card says how it ended, from the same watch
  decisions as Slack's.
- Limits to say plainly: bots cannot post cards in private channels; invokes are answered inside the HTTP request
  (the always-ready instance matters as for Slack); the runtime's HTTP trigger will take the durable client, handed
  to the Teams thread as slack_app.durable_port does for Bolt's.
"""

from teams_app.registry import bp

__all__ = ["bp"]
