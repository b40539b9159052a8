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

@description('Publisher IDs this deployment serves on the Partner Center submission API (Azure Application offers), separated by spaces or commas (SUBMISSION_API_PUBLISHERS). Empty: none is looked up there (deny by default).')
param submissionApiPublishers string = ''

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

@description('Always-ready instances for the HTTP triggers (Slack, webhook), so that a Slack command is answered within Slack\'s 3 s. Each is billed all the time (the always-ready baseline, GB-seconds of its memory while idle, no free grant); 0 lets the HTTP triggers scale to zero and pay a cold start.')
@minValue(0)
param httpAlwaysReadyInstances int = 1
@description('Memory of each instance, in MB: 512 holds the app (about 60 MB at its first answer) several times over; 2048 and 4096 get more CPU, in proportion (docs/deploy.md).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 512

@description('Identity the app uses for Azure AD tokens (IDENTITY_MODE; docs/deploy.md step 5): app-federated (default: an app registration whose federated credential trusts the user-assigned identity; no secret), app-certificate (an app registration with a certificate in this Key Vault), managed-identity (the user-assigned identity itself: not shown by Microsoft\'s documents; only if your Partner Center lists the identity).')
@allowed([
  'app-federated'
  'app-certificate'
  'managed-identity'
])
param identityMode string = 'app-federated'

@description('app-federated / app-certificate: Application (client) ID of the app registration registered in Partner Center. Empty until it exists (the post-provision hook prints how to create it).')
param appRegistrationClientId string = ''

@description('Optional: Object ID of the app registration\'s service principal ("Managed application in local directory"), only to print it for Partner Center.')
param appRegistrationServicePrincipalId string = ''

@description('Optional: display name of the app registration, only to print it for Partner Center.')
param appRegistrationName string = ''

@description('app-certificate: name of the Key Vault certificate of the app registration (IDENTITY_APP_CERTIFICATE refers to its secret).')
param appCertificateName string = 'cppcancel-app'

@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
@description('Replication of the host storage account. Zone-redundant by default; use Standard_LRS in a region without availability zones.')
param storageSkuName string = 'Standard_ZRS'

@description('Deploy the Azure Bot that connects Microsoft Teams to the app (the bot is the app\'s user-assigned identity: no secret). false: no bot, and every Teams request is refused (TEAMS_APP_ID empty).')
param teamsBotEnabled bool = true

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
var usesAppRegistration = identityMode != 'managed-identity'
// What a federated identity credential that trusts the managed identity must say (Microsoft Entra: "Configure an
// application to trust a managed identity"): the tenant's issuer, the identity's object ID, the exchange audience.
var federatedIssuer = '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
var federatedAudience = 'api://AzureADTokenExchange'
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
    certificatesOfficer: identityMode == 'app-certificate'
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
    keyVaultName: keyVault.outputs.name
    slackSigningSecretName: keyVault.outputs.slackSigningSecretName
    slackBotTokenName: keyVault.outputs.slackBotTokenName
    webhookSecretName: keyVault.outputs.webhookSecretName
    pythonVersion: pythonVersion
    durableAlwaysReadyInstances: durableAlwaysReadyInstances
    httpAlwaysReadyInstances: httpAlwaysReadyInstances
    instanceMemoryMB: instanceMemoryMB
    identityMode: identityMode
    appRegistrationClientId: appRegistrationClientId
    appRegistrationTenantId: tenant().tenantId
    appCertificateName: appCertificateName
    cancelPolicy: cancelPolicy
    auditChannelId: auditChannelId
    submissionApiPublishers: submissionApiPublishers
    cppBaseUrl: cppBaseUrl
    cppApiVersion: cppApiVersion
    watchTimeoutSeconds: watchTimeoutSeconds
    pollInitialIntervalSeconds: pollInitialIntervalSeconds
    pollMaxIntervalSeconds: pollMaxIntervalSeconds
    teamsAppId: teamsBotEnabled ? identity.outputs.clientId : ''
    teamsTenantId: teamsBotEnabled ? tenant().tenantId : ''
  }
  dependsOn: [
    rbac
  ]
}

module bot 'app/bot.bicep' = if (teamsBotEnabled) {
  name: 'bot'
  params: {
    name: '${abbrs.botServicesBots}cppcancel-${resourceToken}'
    tags: allTags
    identityClientId: identity.outputs.clientId
    identityResourceId: identity.outputs.id
    tenantId: tenant().tenantId
    appHostName: api.outputs.defaultHostName
  }
}

// What azd stores in the environment (.azure/<env>/.env) and what the team pastes into Slack.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup().name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
@description('Application Insights of the app (its logs: docs/deploy.md queries the byte-code line there).')
output AZURE_APPLICATION_INSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output AZURE_MANAGED_IDENTITY_NAME string = identity.outputs.name
@description('Client ID of the user-assigned identity (AZURE_CLIENT_ID).')
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
@description('Object (principal) ID of the identity\'s service principal: the subject of a federated credential that trusts it.')
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
// What the team enters in Partner Center (Account settings > User management > Microsoft Entra applications) for the
// identity path in use; infra/hooks/postprovision.py prints it after every provision.
output IDENTITY_MODE string = identityMode
@description('Partner Center: the application to add (display name).')
output PARTNER_CENTER_APPLICATION_NAME string = usesAppRegistration ? appRegistrationName : identity.outputs.name
@description('Partner Center / CPP: the Application (client) ID to add. Empty: the app registration is not created yet.')
output PARTNER_CENTER_APPLICATION_ID string = usesAppRegistration ? appRegistrationClientId : identity.outputs.clientId
@description('CPP: Object ID of the application\'s service principal ("Managed application in local directory"). Empty: look it up with az ad sp show.')
output PARTNER_CENTER_SERVICE_PRINCIPAL_ID string = usesAppRegistration ? appRegistrationServicePrincipalId : identity.outputs.principalId
@description('Partner Center: the role to give the application (the Product Ingestion API requires Manager).')
output PARTNER_CENTER_ROLE string = 'Manager'
@description('app-federated: issuer of the federated credential that trusts the managed identity.')
output FEDERATED_CREDENTIAL_ISSUER string = federatedIssuer
@description('app-federated: subject of the federated credential (the managed identity\'s object ID).')
output FEDERATED_CREDENTIAL_SUBJECT string = identity.outputs.principalId
@description('app-federated: audience of the federated credential (Microsoft Entra ID global service).')
output FEDERATED_CREDENTIAL_AUDIENCE string = federatedAudience
@description('app-certificate: the Key Vault certificate the app reads (IDENTITY_APP_CERTIFICATE).')
output AZURE_KEY_VAULT_CERTIFICATE_NAME string = identityMode == 'app-certificate' ? appCertificateName : ''
output FUNCTION_APP_BASE_URL string = api.outputs.baseUrl
@description('Slack: Slash Commands > /cpp > Request URL.')
output SLACK_COMMAND_URL string = '${api.outputs.baseUrl}/api/slack/commands'
@description('Slack: Interactivity & Shortcuts > Request URL.')
output SLACK_INTERACTIVITY_URL string = '${api.outputs.baseUrl}/api/slack/interactions'
@description('Signed cancel webhook (function-key auth: add ?code=<function key> or the x-functions-key header).')
output WEBHOOK_URL string = '${api.outputs.baseUrl}/api/webhooks/cancel'
@description('Status of a webhook-started cancel: replace {instanceId} with the id the webhook returned.')
output WEBHOOK_OPERATIONS_URL string = '${api.outputs.baseUrl}/api/webhooks/operations/{instanceId}'
@description('Microsoft Teams: the bot\'s app ID (bots[].botId in the Teams app package). Empty: no bot deployed.')
output TEAMS_BOT_ID string = teamsBotEnabled ? identity.outputs.clientId : ''
@description('Microsoft Teams: the Azure Bot\'s messaging endpoint.')
output TEAMS_MESSAGING_ENDPOINT string = teamsBotEnabled ? '${api.outputs.baseUrl}/api/messages' : ''
