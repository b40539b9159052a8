// The one identity the function app uses for everything: host storage, Key Vault references, Application Insights,
// and the Cloud Partner Portal token (its client ID is the app's AZURE_CLIENT_ID).
param name string
param location string
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
output tenantId string = identity.properties.tenantId
