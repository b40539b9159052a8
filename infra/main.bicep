// cppcancel: one team's deployment, in one resource group.
//   azd up                                  (azure.yaml at the repository root; see docs/deploy.md)
//   az deployment group create -g <rg> -f infra/main.bicep -p environmentName=<team> cancelPolicy=@policy.json
targetScope = 'resourceGroup'

@minLength(1)
@maxLength(64)
@description('Team / environment name (azd: AZURE_ENV_NAME). Seeds the unique suffix of every resource name.')
param environmentName string

@description('Region for every resource; it must offer the Flex Consumption plan.')
param location string = resourceGroup().location

@description('Authorization policy: who may cancel which publisher\'s offers (the app reads it as CANCEL_POLICY). The default allows no one.')
param cancelPolicy object = {
  rules: []
}

@description('Optional Slack channel ID that receives an audit line for every cancel. Empty: no audit channel.')
param auditChannelId string = ''

@description('Extra tags for every resource.')
param tags object = {}

@description('Optional: object ID of the person or pipeline deploying; granted Key Vault Secrets Officer so that it can set the secrets.')
param principalId string = ''

@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param principalType string = 'User'

@allowed([
  '3.11'
  '3.12'
])
param pythonVersion string = '3.11'

@description('Always-ready instances for the Durable Functions triggers (0 lets the app scale to zero; timers then fire on the next scale-out).')
@minValue(0)
param durableAlwaysReadyInstances int = 1

@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
@description('Replication of the host storage account. Zone-redundant by default; use Standard_LRS in a region without availability zones.')
param storageSkuName string = 'Standard_ZRS'

param cppBaseUrl string = 'https://cloudpartner.azure.com'
param cppApiVersion string = '2017-10-31'
param watchTimeoutSeconds int = 86400
param pollInitialIntervalSeconds int = 15
param pollMaxIntervalSeconds int = 300

@secure()
@description('Slack app signing secret. Empty: leave the Key Vault secret as it is (set it later with az keyvault secret set).')
param slackSigningSecret string = ''

@secure()
@description('Slack bot token (xoxb-...). Empty: leave the Key Vault secret as it is.')
param slackBotToken string = ''

@secure()
@description('Secret that signs calls to the cancel webhook. Empty: leave the Key Vault secret as it is.')
param webhookSecret string = ''

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var allTags = union(tags, {
  'azd-env-name': environmentName
})
var functionAppName = '${abbrs.webSitesFunctions}cppcancel-${resourceToken}'
var deploymentContainerName = 'app-package-${take(resourceToken, 7)}'

module identity 'core/identity/user-assigned-identity.bicep' = {
  name: 'identity'
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}cppcancel-${resourceToken}'
    location: location
    tags: allTags
  }
}

module monitoring 'core/monitor/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: allTags
  }
}

module storage 'core/storage/storage-account.bicep' = {
  name: 'storage'
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: allTags
    skuName: storageSkuName
    deploymentContainerName: deploymentContainerName
    workspaceId: monitoring.outputs.workspaceId
  }
}

module keyVault 'core/security/key-vault.bicep' = {
  name: 'keyvault'
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: allTags
    workspaceId: monitoring.outputs.workspaceId
    slackSigningSecret: slackSigningSecret
    slackBotToken: slackBotToken
    webhookSecret: webhookSecret
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultName: keyVault.outputs.name
    appPrincipalId: identity.outputs.principalId
    secretsOfficerPrincipalId: principalId
    secretsOfficerPrincipalType: principalType
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: allTags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    workspaceId: monitoring.outputs.workspaceId
    keyVaultName: keyVault.outputs.name
    slackSigningSecretName: keyVault.outputs.slackSigningSecretName
    slackBotTokenName: keyVault.outputs.slackBotTokenName
    webhookSecretName: keyVault.outputs.webhookSecretName
    pythonVersion: pythonVersion
    durableAlwaysReadyInstances: durableAlwaysReadyInstances
    cancelPolicy: cancelPolicy
    auditChannelId: auditChannelId
    cppBaseUrl: cppBaseUrl
    cppApiVersion: cppApiVersion
    watchTimeoutSeconds: watchTimeoutSeconds
    pollInitialIntervalSeconds: pollInitialIntervalSeconds
    pollMaxIntervalSeconds: pollMaxIntervalSeconds
  }
  dependsOn: [
    rbac
  ]
}

// What azd stores in the environment (.azure/<env>/.env) and what the team pastes into Slack.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup().name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_MANAGED_IDENTITY_NAME string = identity.outputs.name
@description('Application (client) ID of the identity: register it with the Cloud Partner Portal / Partner Center.')
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
@description('Object (principal) ID of the identity\'s service principal.')
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output FUNCTION_APP_BASE_URL string = api.outputs.baseUrl
@description('Slack: Slash Commands > /cpp > Request URL.')
output SLACK_COMMAND_URL string = '${api.outputs.baseUrl}/api/slack/commands'
@description('Slack: Interactivity & Shortcuts > Request URL.')
output SLACK_INTERACTIVITY_URL string = '${api.outputs.baseUrl}/api/slack/interactions'
@description('Signed cancel webhook (function-key auth: add ?code=<function key> or the x-functions-key header).')
output WEBHOOK_URL string = '${api.outputs.baseUrl}/api/webhooks/cancel'
@description('Status of a webhook-started cancel: replace {instanceId} with the id the webhook returned.')
output WEBHOOK_OPERATIONS_URL string = '${api.outputs.baseUrl}/api/webhooks/operations/{instanceId}'
