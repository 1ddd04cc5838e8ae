// The one user-assigned identity of the deployment, shared by the function app and the SMTP edge. It exists before
// either of them, so its roles are in place when the app first starts: no 403 on the first publish, no Key Vault
// reference racing its role assignment.

@description('Identity name.')
param name string

@description('Azure region.')
param location string

@description('Tags for the identity.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('Resource id, for identity blocks and keyVaultReferenceIdentity.')
output id string = identity.id

@description('Object id of the identity\'s service principal, for role assignments.')
output principalId string = identity.properties.principalId

@description('Client id, for AZURE_CLIENT_ID and <connection>__clientId settings.')
output clientId string = identity.properties.clientId
