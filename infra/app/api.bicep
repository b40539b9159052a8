// The function app: Linux, Python, Flex Consumption, one user-assigned identity for everything.
// App settings are inline in siteConfig.appSettings (a separate config resource hides them from the scanners).
// On Flex Consumption the runtime lives in functionAppConfig.runtime: FUNCTIONS_WORKER_RUNTIME and
// FUNCTIONS_EXTENSION_VERSION must not be set.
param name string
param planName string
param location string
param tags object = {}

@description('Resource ID of the user-assigned identity.')
param identityId string
@description('Client ID of the user-assigned identity (AZURE_CLIENT_ID, AzureWebJobsStorage__clientId).')
param identityClientId string

param storageAccountName string
param storageBlobEndpoint string
param deploymentContainerName string
param applicationInsightsConnectionString string

param keyVaultName string
param slackSigningSecretName string
param slackBotTokenName string
param webhookSecretName string

@allowed([
  '3.11'
  '3.12'
])
param pythonVersion string = '3.11'
@description('Memory of each instance, in MB (the sizes Microsoft documents for Flex Consumption); CPU is allotted in proportion.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 512
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40
@description('Always-ready instances for the Durable Functions trigger group, so that durable timers fire promptly.')
@minValue(0)
param durableAlwaysReadyInstances int = 1
@description('Always-ready instances for the HTTP trigger group (the Slack and webhook routes), so that a Slack command never waits for a cold start.')
@minValue(0)
param httpAlwaysReadyInstances int = 1

@description('How the app gets Azure AD tokens (IDENTITY_MODE): app-federated (default), app-certificate or managed-identity.')
@allowed([
  'app-federated'
  'app-certificate'
  'managed-identity'
])
param identityMode string = 'app-federated'
@description('app-federated / app-certificate: Application (client) ID of the app registration (IDENTITY_APP_CLIENT_ID).')
param appRegistrationClientId string = ''
@description('Directory (tenant) ID of the app registration (IDENTITY_APP_TENANT_ID).')
param appRegistrationTenantId string = ''
@description('app-certificate: name of the Key Vault certificate whose secret holds the app registration\'s private key.')
param appCertificateName string = ''

@description('Authorization policy (the CANCEL_POLICY JSON), as an object.')
param cancelPolicy object
param auditChannelId string = ''
@description('SUBMISSION_API_PUBLISHERS: the publishers served on the Partner Center submission API (empty: none).')
param submissionApiPublishers string = ''
param cppBaseUrl string = 'https://cloudpartner.azure.com'
param cppApiVersion string = '2017-10-31'
param watchTimeoutSeconds int = 86400
param pollInitialIntervalSeconds int = 15
param pollMaxIntervalSeconds int = 300
@description('Microsoft Teams: the bot\'s app ID (the identity\'s client ID); empty refuses every Teams request.')
param teamsAppId string = ''
@description('Microsoft Teams: the bot\'s Entra tenant.')
param teamsTenantId string = ''

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientCertEnabled: false
    publicNetworkAccess: 'Enabled'
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        // Flex Consumption scales the http, blob and durable trigger groups separately: each needs its own entry.
        alwaysReady: concat((httpAlwaysReadyInstances > 0) ? [
          {
            name: 'http'
            instanceCount: httpAlwaysReadyInstances
          }
        ] : [], (durableAlwaysReadyInstances > 0) ? [
          {
            name: 'durable'
            instanceCount: durableAlwaysReadyInstances
          }
        ] : [])
      }
      runtime: {
        name: 'python'
        version: pythonVersion
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: [
        // Host storage and Durable Functions, identity-based: no key, no connection string.
        {
          name: 'AzureWebJobsStorage__accountName'
          value: storageAccountName
        }
        {
          name: 'AzureWebJobsStorage__credential'
          value: 'managedidentity'
        }
        {
          name: 'AzureWebJobsStorage__clientId'
          value: identityClientId
        }
        // Application Insights with Entra ID auth (the resource has local auth off).
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: applicationInsightsConnectionString
        }
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'ClientId=${identityClientId};Authorization=AAD'
        }
        // azure-identity's ManagedIdentityCredential picks the user-assigned identity by this client ID.
        {
          name: 'AZURE_CLIENT_ID'
          value: identityClientId
        }
        // Which identity asks for the CPP (and Microsoft Graph) tokens: partner_portal/credentials.py.
        {
          name: 'IDENTITY_MODE'
          value: identityMode
        }
        {
          name: 'IDENTITY_APP_CLIENT_ID'
          value: (identityMode == 'managed-identity') ? '' : appRegistrationClientId
        }
        {
          name: 'IDENTITY_APP_TENANT_ID'
          value: (identityMode == 'managed-identity') ? '' : appRegistrationTenantId
        }
        // A Key Vault certificate's private key is read through the secret of the same name (base64 PKCS#12 or PEM).
        {
          name: 'IDENTITY_APP_CERTIFICATE'
          value: (identityMode == 'app-certificate') ? '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${appCertificateName})' : ''
        }
        // Secrets: Key Vault references, resolved by the platform with keyVaultReferenceIdentity.
        {
          name: 'SLACK_SIGNING_SECRET'
          value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${slackSigningSecretName})'
        }
        {
          name: 'SLACK_BOT_TOKEN'
          value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${slackBotTokenName})'
        }
        {
          name: 'WEBHOOK_SECRET'
          value: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${webhookSecretName})'
        }
        {
          name: 'CANCEL_POLICY'
          value: string(cancelPolicy)
        }
        {
          name: 'AUDIT_CHANNEL_ID'
          value: auditChannelId
        }
        {
          name: 'SUBMISSION_API_PUBLISHERS'
          value: submissionApiPublishers
        }
        {
          name: 'CPP_BASE_URL'
          value: cppBaseUrl
        }
        {
          name: 'CPP_API_VERSION'
          value: cppApiVersion
        }
        {
          name: 'WATCH_TIMEOUT_S'
          value: string(watchTimeoutSeconds)
        }
        {
          name: 'POLL_INITIAL_INTERVAL_S'
          value: string(pollInitialIntervalSeconds)
        }
        {
          name: 'POLL_MAX_INTERVAL_S'
          value: string(pollMaxIntervalSeconds)
        }
        // Microsoft Teams (teams_app/): the Azure Bot is the user-assigned identity, so its app ID is AZURE_CLIENT_ID's.
        {
          name: 'TEAMS_APP_ID'
          value: teamsAppId
        }
        {
          name: 'TEAMS_TENANT_ID'
          value: teamsTenantId
        }
      ]
    }
  }
}

// Basic (user name + password) publishing credentials off for FTP and for the SCM site: deployments use Entra ID.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

// No diagnostic setting on the site: Microsoft's Flex Consumption page lists "Diagnostic settings aren't currently
// supported". Application Insights (APPLICATIONINSIGHTS_CONNECTION_STRING above) carries the app's logs.

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
output baseUrl string = 'https://${site.properties.defaultHostName}'
