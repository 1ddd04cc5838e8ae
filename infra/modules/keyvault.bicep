// Key Vault in RBAC mode for the one secret the app has: the downstream SMTP password. The app
// reads it through a Key Vault reference in its settings, with its managed identity.

@description('Vault name (3-24 characters).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags for the vault.')
param tags object

@description('Name of the secret that holds the SMTP password.')
param smtpPasswordSecretName string

@secure()
@description('SMTP password to store. Empty leaves the secret as it is (or absent), so a later run need not repeat it.')
param smtpPassword string

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

resource smtpPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = if (!empty(smtpPassword)) {
  parent: vault
  name: smtpPasswordSecretName
  properties: {
    value: smtpPassword
    contentType: 'text/plain'
  }
}

@description('Vault name.')
output name string = vault.name

@description('Vault URI, e.g. https://<name>.vault.azure.net/.')
output vaultUri string = vault.properties.vaultUri
