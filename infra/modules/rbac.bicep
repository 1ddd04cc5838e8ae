// Every role assignment of the deployment, each as narrow as the service allows. Names are
// guid(scope, principal, role) so a redeployment finds the same assignment instead of adding one.
//
// Storage is split in two accounts for this: the Functions host needs broad rights on its own
// account (it creates and leases its own containers and queues, whose names depend on the host id),
// while the mail and pattern data get per-container, per-queue and per-table grants.

@description('Object id of the deployment\'s user-assigned identity (the function app and the SMTP edge run as it).')
param identityPrincipalId string

@description('Object id of the Event Grid system topic\'s identity (writes dead-lettered events).')
param eventGridPrincipalId string

@description('Host storage account (AzureWebJobsStorage and code packages).')
param hostStorageAccountName string

@description('Data storage account (mail, pattern sets, stats).')
param dataStorageAccountName string

@description('Containers read by a blob trigger (Event Grid source).')
param triggerContainers string[]

// The app creates its containers at start-up when they are missing (CreateIfNotExists), which needs
// write on each container even where it only reads (config/): so Contributor, never Reader.
@description('Containers the app uses without a trigger.')
param writeContainers string[]

@description('Container for events Event Grid could not deliver.')
param deadLetterContainer string

@description('Queues on the data account where the Functions host parks a message or blob that failed every retry (the blob trigger\'s, the release gate\'s). The host creates a missing one before writing, hence Contributor.')
param poisonQueues string[]

@description('Queue on the data account that carries gate requests: publish sends, the queue-triggered gate function takes.')
param releaseGateQueue string

@description('Table for scan statistics.')
param statsTable string

@description('Service Bus namespace.')
param serviceBusNamespaceName string

@description('Service Bus delivery queue.')
param serviceBusQueueName string

@description('Container registry the SMTP edge\'s image is pulled from; empty when there is no edge.')
param containerRegistryName string

@description('Key Vault that holds the app\'s secrets.')
param keyVaultName string

@description('Application Insights component.')
param applicationInsightsName string

@description('Optional: object id of an operator (user or group) who uploads pattern sets and the domain list.')
param operatorPrincipalId string

@description('Kind of principal operatorPrincipalId is.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param operatorPrincipalType string

@description('Containers the operator may write (pattern uploads, domain list).')
param operatorContainers string[]

// Built-in role definition ids (the same in every tenant).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe' // Storage Blob Data Contributor
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39' // Azure Service Bus Data Sender
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0' // Azure Service Bus Data Receiver
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6' // Key Vault Secrets User
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d' // AcrPull
  keyVaultCertificatesOfficer: 'a4417e6f-fecd-4de8-b567-7b0420556985' // Key Vault Certificates Officer
}

resource hostStorage 'Microsoft.Storage/storageAccounts@2026-06-01' existing = {
  name: hostStorageAccountName
}

resource dataStorage 'Microsoft.Storage/storageAccounts@2026-06-01' existing = {
  name: dataStorageAccountName
}

resource dataBlobs 'Microsoft.Storage/storageAccounts/blobServices@2026-06-01' existing = {
  parent: dataStorage
  name: 'default'
}

resource triggerContainerRefs 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-06-01' existing = [
  for container in triggerContainers: {
    parent: dataBlobs
    name: container
  }
]

resource writeContainerRefs 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-06-01' existing = [
  for container in writeContainers: {
    parent: dataBlobs
    name: container
  }
]

resource operatorContainerRefs 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-06-01' existing = [
  for container in operatorContainers: {
    parent: dataBlobs
    name: container
  }
]

resource deadLetterContainerRef 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-06-01' existing = {
  parent: dataBlobs
  name: deadLetterContainer
}

resource dataQueues 'Microsoft.Storage/storageAccounts/queueServices@2026-06-01' existing = {
  parent: dataStorage
  name: 'default'
}

resource poisonQueueRefs 'Microsoft.Storage/storageAccounts/queueServices/queues@2026-06-01' existing = [
  for queue in poisonQueues: {
    parent: dataQueues
    name: queue
  }
]

resource releaseGateQueueRef 'Microsoft.Storage/storageAccounts/queueServices/queues@2026-06-01' existing = {
  parent: dataQueues
  name: releaseGateQueue
}

resource dataTables 'Microsoft.Storage/storageAccounts/tableServices@2026-06-01' existing = {
  parent: dataStorage
  name: 'default'
}

resource statsTableRef 'Microsoft.Storage/storageAccounts/tableServices/tables@2026-06-01' existing = {
  parent: dataTables
  name: statsTable
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2026-01-01' existing = {
  name: serviceBusNamespaceName
}

resource deliverQueue 'Microsoft.ServiceBus/namespaces/queues@2026-01-01' existing = {
  parent: serviceBus
  name: serviceBusQueueName
}

resource keyVault 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
  name: keyVaultName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// --- Host storage: the Functions runtime's own account -------------------------------------
// Blob Data Owner + Queue Data Contributor are what the Functions docs require for an
// identity-based AzureWebJobsStorage when a blob trigger runs (host locks, keys, the blob
// trigger's internal queue) and cover reading the code package. The docs also list Storage
// Account Contributor, which only the polling trigger needs (it turns on storage logs); this app
// uses the Event Grid source, so that management-plane role is not granted.
resource hostBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, identityPrincipalId, roles.storageBlobDataOwner)
  scope: hostStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource hostQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hostStorage.id, identityPrincipalId, roles.storageQueueDataContributor)
  scope: hostStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// --- Data storage ------------------------------------------------------------------------
// Blob Data Owner is the role the Functions docs give a blob trigger's connection; it is granted
// only on the containers a trigger reads (incoming/, patterns/), where the app also writes outcome
// metadata and pattern state. Its extra rights over Contributor (ACLs, tags) reach nothing else.
resource triggerBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (container, i) in triggerContainers: {
    name: guid(triggerContainerRefs[i].id, identityPrincipalId, roles.storageBlobDataOwner)
    scope: triggerContainerRefs[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
      principalId: identityPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource writeBlobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (container, i) in writeContainers: {
    name: guid(writeContainerRefs[i].id, identityPrincipalId, roles.storageBlobDataContributor)
    scope: writeContainerRefs[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
      principalId: identityPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

// The blob trigger writes a blob that failed all its retries, and the queue trigger a gate request that failed
// all of its dequeues, to these queues on the trigger's own account.
resource poisonQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (queue, i) in poisonQueues: {
    name: guid(poisonQueueRefs[i].id, identityPrincipalId, roles.storageQueueDataContributor)
    scope: poisonQueueRefs[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
      principalId: identityPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

// The queue trigger reads the queue's length (scaling), takes and deletes messages; publishing adds them, and creates
// the queue first when it is missing (GateRequestQueue, as the local stack needs). Creating needs Contributor:
// Reader + Message Processor + Message Sender would be enough only for a sender that never creates.
resource releaseGateContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(releaseGateQueueRef.id, identityPrincipalId, roles.storageQueueDataContributor)
  scope: releaseGateQueueRef
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource statsTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(statsTableRef.id, identityPrincipalId, roles.storageTableDataContributor)
  scope: statsTableRef
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// --- Service Bus: scan sends, delivery receives; both only on queue `deliver` (and its DLQ) --
resource deliverSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deliverQueue.id, identityPrincipalId, roles.serviceBusDataSender)
  scope: deliverQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataSender)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource deliverReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deliverQueue.id, identityPrincipalId, roles.serviceBusDataReceiver)
  scope: deliverQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataReceiver)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// --- Key Vault: the app's Key Vault references, the edge's STARTTLS certificate (its secret) ---
// Scoped to the vault, not the secret: the vault belongs to this app alone, and a secret an
// operator sets later (or a password left out of the first run) is readable without redeploying.
resource vaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keyVault.id, identityPrincipalId, roles.keyVaultSecretsUser)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// --- Application Insights: telemetry ingestion with Entra ID (local auth is off) ---------
resource telemetryPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identityPrincipalId, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// --- Container registry: the SMTP edge pulls its image with the identity (no admin user) ---
resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = if (!empty(containerRegistryName)) {
  name: containerRegistryName
}

resource registryPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(containerRegistryName)) {
  name: guid(registry.id, identityPrincipalId, roles.acrPull)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPull)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// --- Event Grid: dead-letter undeliverable blob events -----------------------------------
resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deadLetterContainerRef.id, eventGridPrincipalId, roles.storageBlobDataContributor)
  scope: deadLetterContainerRef
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: eventGridPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// --- Operator (optional): shared keys are off, so `az storage blob upload --auth-mode login`
// needs a data role too.
resource operatorBlobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (container, i) in operatorContainers: if (!empty(operatorPrincipalId)) {
    name: guid(operatorContainerRefs[i].id, operatorPrincipalId, roles.storageBlobDataContributor)
    scope: operatorContainerRefs[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
      principalId: operatorPrincipalId
      principalType: operatorPrincipalType
    }
  }
]

// The operator imports the SMTP edge's STARTTLS certificate (the vault is in RBAC mode: owning the resource group
// grants no access to its certificates).
resource operatorCertificatesOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(keyVault.id, operatorPrincipalId, roles.keyVaultCertificatesOfficer)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultCertificatesOfficer)
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
  }
}
