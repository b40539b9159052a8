// The Azure Bot that connects Microsoft Teams to the function app (teams_app/: POST /api/messages).
// Since 31 July 2025 new Azure Bot resources are single-tenant or user-assigned managed identity only: this one *is*
// the app's user-assigned identity (msaAppType UserAssignedMSI), so the bot's app ID is the identity's client ID
// (the app's TEAMS_APP_ID) and its outbound token is the identity's - no secret, no app registration.
@description('Name of the Azure Bot resource.')
param name string

@description('Name Teams shows for the bot.')
param displayName string = 'cppcancel'

param tags object = {}

@description('Client ID of the function app\'s user-assigned identity: the bot\'s Microsoft App ID.')
param identityClientId string

@description('Resource ID of that identity.')
param identityResourceId string

@description('Entra tenant of the identity.')
param tenantId string

@description('Host name of the function app; Teams activities go to https://<host>/api/messages.')
param appHostName string

@allowed([
  'F0'
  'S1'
])
@description('F0 is free for the standard channels, Microsoft Teams among them.')
param sku string = 'F0'

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: name
  location: 'global'
  tags: tags
  kind: 'azurebot'
  sku: {
    name: sku
  }
  properties: {
    displayName: displayName
    endpoint: 'https://${appHostName}/api/messages'
    msaAppId: identityClientId
    msaAppType: 'UserAssignedMSI'
    msaAppMSIResourceId: identityResourceId
    msaAppTenantId: tenantId
  }
}

// Connect the bot to Microsoft Teams.
resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
    }
  }
}

output name string = bot.name
output botId string = identityClientId
output endpoint string = bot.properties.endpoint
