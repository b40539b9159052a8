"""The Teams SDK's `App`, built with every option explicit so that no environment variable can change it.

The SDK (microsoft-teams-apps 2.1.1) reads settings of its own when an option is not given: `CLIENT_ID`,
`CLIENT_SECRET`, `TENANT_ID`, `MANAGED_IDENTITY_CLIENT_ID` (app.py `_init_credentials`), `SERVICE_URL` and `CLOUD`
(`App.__init__`), `OAUTH_URL` (api/clients/api_client_settings.py), `DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS`
(options.py), `PORT` (`App.start`, never called here), and it loads a `.env` file from the working directory into
the environment when imported (app.py, `load_dotenv(find_dotenv(usecwd=True))`; `.funcignore` keeps `.env` out of
the package). Every one of them is passed here instead:

- credentials: `_ExplicitApp` returns the app's own `TokenCredentials` (app ID, tenant, `token=` the bot identity's
  provider). The SDK's `_init_credentials` would prefer `CLIENT_SECRET` from the environment over a `token`, so an
  unrelated secret there would silently replace the managed identity; it is overridden, not trusted;
- `cloud`: the public cloud with `openid_metadata_url` = TEAMS_OPENID_METADATA_URL (`with_overrides`, the SDK's own
  seam; the keys are read from `.../keys` beside it);
- `service_url`, `api_client_settings` (`oauth_url`), `dangerously_allow_unauthenticated_requests=False`,
  `messaging_endpoint`, `http_server_adapter`, `client` (with the outbound fence), `state=False`,
  `fetch_user_token=False`, `plugins=[]`, and Agent 365 telemetry off.
tests/teams_app/test_sdk_environment.py sets every one of those variables (and a `.env`) and shows nothing changes.
"""

from __future__ import annotations

from typing import Any

from microsoft_teams.api import ApiClientSettings, TokenCredentials
from microsoft_teams.api.auth.cloud_environment import PUBLIC, CloudEnvironment, with_overrides
from microsoft_teams.apps import App
from microsoft_teams.common import Client, ClientOptions

from cppcancel.teams_settings import TeamsSettings
from teams_app.functions_adapter import MESSAGING_ENDPOINT, FunctionsAdapter
from teams_app.outbound import ServiceUrlFence
from teams_app.tokens import BotTokenProvider

# The SDK's default Bot Connector address (used only by `App.send` without a service URL, which the app never calls;
# and the outbound fence lets nothing go anywhere but a validated activity's serviceUrl).
DEFAULT_SERVICE_URL = "https://smba.trafficmanager.net/teams"
HTTP_TIMEOUT_S = 15.0


class _ExplicitApp(App):
    """`App` whose credentials are the ones given, never the SDK's pick from the environment."""

    def __init__(self, credentials: TokenCredentials, **options: Any) -> None:
        self._explicit_credentials = credentials
        super().__init__(**options)

    def _init_credentials(self) -> TokenCredentials:
        return self._explicit_credentials


def cloud_for(teams: TeamsSettings) -> CloudEnvironment:
    return with_overrides(PUBLIC, openid_metadata_url=teams.openid_metadata_url)


def build_app(teams: TeamsSettings, tokens: BotTokenProvider, adapter: FunctionsAdapter) -> App:
    """The per-worker App (not yet initialized: `await app.initialize()` registers the route on `adapter`)."""
    if not teams.app_id:
        raise ValueError("a Teams app needs TEAMS_APP_ID")
    cloud = cloud_for(teams)
    client = Client(ClientOptions(timeout=HTTP_TIMEOUT_S))
    client.use(ServiceUrlFence())
    credentials = TokenCredentials(client_id=teams.app_id, tenant_id=teams.tenant_id, token=tokens)
    return _ExplicitApp(
        credentials,
        client_id=teams.app_id,
        tenant_id=teams.tenant_id,
        token=tokens,
        cloud=cloud,
        service_url=DEFAULT_SERVICE_URL,
        api_client_settings=ApiClientSettings(oauth_url=cloud.token_service_url),
        dangerously_allow_unauthenticated_requests=False,
        http_server_adapter=adapter,
        messaging_endpoint=MESSAGING_ENDPOINT,
        client=client,
        plugins=[],
        state=False,
        fetch_user_token=False,
        telemetry={"agent365": False},
    )
