// Key Vault in RBAC mode for the app's secrets (a downstream's SMTP password). The app reads them
// through Key Vault references in its settings, with its managed identity.

@description('Vault name (3-24 characters).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags for the vault.')
param tags object

@description('Name of the secret that holds the downstream SMTP password.')
param downstreamPasswordSecretName string

@secure()
@description('Downstream SMTP password to store. Empty leaves the secret as it is (or absent), so a later run need not repeat it.')
param downstreamPassword string

@description('Turn on purge protection (cannot be turned off again; a purged name stays blocked for the retention period).')
param enablePurgeProtection bool

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    // Key Vault refuses an explicit false here; null leaves it off.
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

resource downstreamPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = if (!empty(downstreamPassword)) {
  parent: vault
  name: downstreamPasswordSecretName
  properties: {
    value: downstreamPassword
    contentType: 'text/plain'
  }
}

@description('Vault name.')
output name string = vault.name

@description('Vault URI, e.g. https://<name>.vault.azure.net/.')
output vaultUri string = vault.properties.vaultUri
