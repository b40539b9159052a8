"""The Azure Bot in the parsed Bicep: a UserAssignedMSI bot that *is* the app's identity, its endpoint the app's
/api/messages, connected to Microsoft Teams; and the app's TEAMS_* settings that follow from it."""

from __future__ import annotations

import json
from typing import Any

from tests.infra.helpers import body, dotted, only_resource

Trees = dict[str, dict[str, Any]]


def _conditional(value: Any) -> tuple[Any, Any, Any]:
    assert value["operator"]["type"] == "conditional", value
    operands = value["operator"]["operands"]
    return operands["condition"], operands["true_value"], operands["false_value"]


def test_the_bot_is_the_apps_user_assigned_identity(bicep_trees: Trees) -> None:
    bot = only_resource(bicep_trees, "Microsoft.BotService/botServices")
    assert (bot["kind"], bot["location"], bot["sku"]["name"]) == ("azurebot", "global", "sku")
    assert bot["properties"] == {
        "displayName": "displayName",
        "endpoint": "https://${appHostName}/api/messages",
        "msaAppId": "identityClientId",
        "msaAppType": "UserAssignedMSI",
        "msaAppMSIResourceId": "identityResourceId",
        "msaAppTenantId": "tenantId",
    }
    params = bicep_trees["app/bot.bicep"]["parameters"]
    assert params["sku"]["default"] == "F0"


def test_main_passes_the_identity_and_the_apps_host_to_the_bot(bicep_trees: Trees) -> None:
    module = bicep_trees["main.bicep"]["modules"]["bot"]
    assert module["detail"]["path"] == "app/bot.bicep"
    assert module["config"]["condition"] == "teamsBotEnabled"
    params = body(module)["params"]
    assert dotted(params["identityClientId"]) == "identity.outputs.clientId"
    assert dotted(params["identityResourceId"]) == "identity.outputs.id"
    assert dotted(params["appHostName"]) == "api.outputs.defaultHostName"
    assert params["tenantId"]["function"]["type"] == "tenant"
    assert params["name"].startswith("${abbrs.botServicesBots}")
    assert bicep_trees["main.bicep"]["parameters"]["teamsBotEnabled"]["default"] is True


def test_the_bot_is_connected_to_teams(bicep_trees: Trees) -> None:
    channel = only_resource(bicep_trees, "Microsoft.BotService/botServices/channels")
    assert (channel["parent"], channel["name"], channel["location"]) == ("bot", "MsTeamsChannel", "global")
    assert channel["properties"] == {"channelName": "MsTeamsChannel", "properties": {"isEnabled": True}}


def test_the_endpoint_is_a_route_the_app_serves_without_a_function_key(
    bicep_trees: Trees, http_triggers: dict[str, dict[str, Any]]
) -> None:
    """The Bot Connector sends no function key: the route is anonymous, and the activity's JWT authenticates it."""
    endpoint = only_resource(bicep_trees, "Microsoft.BotService/botServices")["properties"]["endpoint"]
    route = endpoint.split("/api/", 1)[1]
    assert http_triggers[route]["authLevel"].lower() == "anonymous"
    assert [m.lower() for m in http_triggers[route]["methods"]] == ["post"]


def test_the_app_gets_the_bots_id_only_when_the_bot_is_deployed(bicep_trees: Trees) -> None:
    params = body(bicep_trees["main.bicep"]["modules"]["api"])["params"]
    condition, app_id, off = _conditional(params["teamsAppId"])
    assert (condition, dotted(app_id), off) == ("teamsBotEnabled", "identity.outputs.clientId", "")
    assert "tenant" in json.dumps(params["teamsTenantId"])
    site = only_resource(bicep_trees, "Microsoft.Web/sites")
    settings = {s["name"]: s["value"] for s in site["properties"]["siteConfig"]["appSettings"]}
    assert (settings["TEAMS_APP_ID"], settings["TEAMS_TENANT_ID"]) == ("teamsAppId", "teamsTenantId")
    assert bicep_trees["app/api.bicep"]["parameters"]["teamsAppId"]["default"] == "", "unset: every request refused"
    assert not {"TEAMS_ACCESS_TOKEN", "TEAMS_OPENID_METADATA_URL", "CLIENT_SECRET", "CLIENT_ID"} & set(settings)


def test_the_outputs_give_the_teams_package_its_bot(bicep_trees: Trees) -> None:
    outputs = bicep_trees["main.bicep"]["outputs"]
    condition, bot_id, off = _conditional(outputs["TEAMS_BOT_ID"]["value"])
    assert (condition, dotted(bot_id), off) == ("teamsBotEnabled", "identity.outputs.clientId", "")
    condition, endpoint, off = _conditional(outputs["TEAMS_MESSAGING_ENDPOINT"]["value"])
    assert (condition, endpoint, off) == ("teamsBotEnabled", "${api.outputs.baseUrl}/api/messages", "")
