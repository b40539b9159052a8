"""Microsoft Teams' side, played locally: the Bot Connector (its OpenID metadata and keys, its conversation API) and
the signed activities it sends to a bot; and Microsoft Graph's group-membership check.

- keys.py: `SigningKey`, the RS256 key the stand-in signs activity tokens with and publishes in its JWKS (made on
  first use), and `claims`, a Bot Connector token's claims.
- server.py: `BotConnectorStandIn`, the metadata and JWKS the app validates against, and
  `POST/PUT /v3/conversations/{id}/activities[/{activityId}]`, recording every request with its bearer token.
- activities.py: `BotConnectorClient`, signed message and `adaptiveCard/action` invoke activities posted to the
  app's `/api/messages` (`Person`, `Place`: who and where, as Teams names them).
- graph.py: `GraphStandIn`, Microsoft Graph's `POST /v1.0/users/{id}/checkMemberGroups`.
"""

from devhost.standins.teams.activities import PERSONAL_CHAT, BotConnectorClient, Person, Place, TeamsReply
from devhost.standins.teams.keys import BOT_FRAMEWORK_ISSUER, SigningKey
from devhost.standins.teams.server import BotConnectorStandIn, SentActivity

__all__ = [
    "BOT_FRAMEWORK_ISSUER",
    "PERSONAL_CHAT",
    "BotConnectorClient",
    "BotConnectorStandIn",
    "Person",
    "Place",
    "SentActivity",
    "SigningKey",
    "TeamsReply",
]
