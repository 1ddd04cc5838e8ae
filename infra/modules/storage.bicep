// A storage account that accepts Entra ID only: no shared key, no SAS, no anonymous blob access.
// Used twice by main.bicep: once for the function host (AzureWebJobsStorage + code packages) and
// once for the pipeline's data, so the app's broad host-storage roles never reach the mail.

@description('Storage account name (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags for the account.')
param tags object

@description('Replication SKU.')
param skuName string

@description('Blob containers to create.')
param containers string[] = []

@description('Queues to create.')
param queues string[] = []

@description('Tables to create.')
param tables string[] = []

@description('Lifecycle rules: delete base blobs under prefix (container/path) days after their last change.')
param retentionRules retentionRule[] = []

@description('Days a deleted blob can still be restored.')
@minValue(1)
@maxValue(365)
param blobSoftDeleteDays int = 7

@description('Refuse traffic from the internet except from allowedIpRanges (the deployment\'s private endpoints carry the app\'s).')
param networkRestricted bool = false

@description('Public addresses or CIDR ranges let through when networkRestricted (an operator\'s uploads).')
param allowedIpRanges string[] = []

@description('false turns the public endpoint off altogether: no address and no trusted Azure service gets through, only private endpoints.')
param publicNetworkAccess bool = true

@export()
@description('Delete blobs whose name starts with prefix once they are older than days.')
type retentionRule = {
  @description('Rule name, unique in the account.')
  name: string
  @description('Container and optional path, e.g. "corpus/".')
  prefix: string
  @description('Days after the last modification.')
  @minValue(1)
  days: int
}

resource account 'Microsoft.Storage/storageAccounts@2026-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: publicNetworkAccess ? 'Enabled' : 'Disabled'
    networkAcls: {
      defaultAction: networkRestricted ? 'Deny' : 'Allow'
      // Event Grid writes dead-lettered events with its managed identity as a trusted service.
      bypass: 'AzureServices'
      ipRules: [
        for range in allowedIpRanges: {
          value: range
          action: 'Allow'
        }
      ]
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2026-06-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: blobSoftDeleteDays
    }
  }
}

resource blobContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-06-01' = [
  for container in containers: {
    parent: blobService
    name: container
    properties: {
      publicAccess: 'None'
    }
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2026-06-01' = if (!empty(queues)) {
  parent: account
  name: 'default'
}

resource storageQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2026-06-01' = [
  for queue in queues: {
    parent: queueService
    name: queue
  }
]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2026-06-01' = if (!empty(tables)) {
  parent: account
  name: 'default'
}

resource storageTables 'Microsoft.Storage/storageAccounts/tableServices/tables@2026-06-01' = [
  for table in tables: {
    parent: tableService
    name: table
  }
]

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2026-06-01' = if (!empty(retentionRules)) {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        for rule in retentionRules: {
          name: rule.name
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                rule.prefix
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: rule.days
                }
              }
            }
          }
        }
      ]
    }
  }
}

@description('Storage account name.')
output name string = account.name

@description('Storage account resource id.')
output id string = account.id

@description('Blob service endpoint, e.g. https://<name>.blob.core.windows.net/.')
output blobEndpoint string = account.properties.primaryEndpoints.blob

@description('Queue service endpoint.')
output queueEndpoint string = account.properties.primaryEndpoints.queue

@description('Table service endpoint.')
output tableEndpoint string = account.properties.primaryEndpoints.table
