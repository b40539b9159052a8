// Key Vault in RBAC mode (no access policies) holding the three secrets the app reads through Key Vault references.
// A secret is written only when its value is given, so a first deploy with empty values works, and a later deploy
// with empty values leaves secrets set with `az keyvault secret set` alone.
param name string
param location string
param tags object = {}
@description('Log Analytics workspace that receives the diagnostic settings.')
param workspaceId string

@secure()
param slackSigningSecret string = ''
@secure()
param slackBotToken string = ''
@secure()
param webhookSecret string = ''

// Secret names: the app settings in app/api.bicep reference them by these names.
var slackSigningSecretName = 'slack-signing-secret'
var slackBotTokenName = 'slack-bot-token'
var webhookSecretName = 'webhook-secret'
var secretValues = [
  {
    name: slackSigningSecretName
    value: slackSigningSecret
  }
  {
    name: slackBotTokenName
    value: slackBotToken
  }
  {
    name: webhookSecretName
    value: webhookSecret
  }
]

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

// Written only when given: a filtered loop rather than `if` resources, because checkov reads loops but not
// conditions; `if(` without a space because newer pycep-parser releases reject `if (` inside a loop.
resource secrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [for secret in secretValues: if(!empty(secret.value)) {
  parent: vault
  name: secret.name
  properties: {
    value: secret.value
    contentType: 'text/plain'
  }
}]

resource vaultDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: vault
  properties: {
    workspaceId: workspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
output slackSigningSecretName string = slackSigningSecretName
output slackBotTokenName string = slackBotTokenName
output webhookSecretName string = webhookSecretName
