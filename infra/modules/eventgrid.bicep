// The Event Grid system topic on the data storage account. Its system-assigned identity writes
// undeliverable events to the dead-letter container (the account takes no shared keys, so Event
// Grid must authenticate like everyone else; rbac.bicep grants it that one container).

@description('System topic name.')
param name string

@description('Azure region (that of the storage account).')
param location string

@description('Tags for the topic.')
param tags object

@description('Storage account whose blob events the topic publishes.')
param storageAccountName string

resource storage 'Microsoft.Storage/storageAccounts@2026-06-01' existing = {
  name: storageAccountName
}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

@description('System topic name.')
output name string = topic.name

@description('Object id of the topic\'s system-assigned identity.')
output principalId string = topic.identity.principalId
