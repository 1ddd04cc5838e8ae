// The serverless mail pre-filter on Azure: a Flex Consumption function app (scan, delivery,
// pattern release), Service Bus between scanning and delivery, Event Grid for blob events,
// Key Vault for the SMTP password, Application Insights, and the role assignments that let the
// app's managed identity do its work without a single key in its settings.
//
// Deploy in two steps (see README, "Deploy"): this template with deployEventSubscriptions=false,
// then the code, then infra/scripts/postdeploy.sh, which adds the Event Grid subscriptions once the
// blob extension's webhook key exists.

targetScope = 'resourceGroup'

import { alwaysReadySetting } from 'modules/functionapp.bicep'

// ---------------------------------------------------------------------------------------------
// Naming and placement
// ---------------------------------------------------------------------------------------------

@minLength(1)
@maxLength(64)
@description('Environment name (e.g. prefilter-prod); it seeds the unique suffix of every resource name and tags everything.')
param environmentName string

@description('Azure region of every resource. Must offer Flex Consumption.')
param location string = resourceGroup().location

@description('Extra tags for every resource (azd-env-name is always added).')
param tags object = {}

// ---------------------------------------------------------------------------------------------
// Storage
// ---------------------------------------------------------------------------------------------

@description('Replication of both storage accounts.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param storageSku string = 'Standard_LRS'

@description('Days a mail blob stays in incoming/ after its last change (its outcome is recorded by then; the reconciler re-drives stragglers within minutes).')
@minValue(1)
param incomingRetentionDays int = 30

@description('Days a quarantined mail is kept in quarantine/.')
@minValue(1)
param quarantineRetentionDays int = 30

@description('Days the gate corpus sample (corpus/) is kept.')
@minValue(1)
param corpusRetentionDays int = 90

// ---------------------------------------------------------------------------------------------
// Service Bus
// ---------------------------------------------------------------------------------------------

@description('Service Bus tier (Basic lacks duplicate detection).')
@allowed([
  'Standard'
  'Premium'
])
param serviceBusSku string = 'Standard'

@description('Duplicate-detection window of queue deliver (ISO 8601, at most P7D). One day covers Event Grid\'s retry period for a blob event.')
param duplicateDetectionWindow string = 'P1D'

@description('Deliveries of one message before it is dead-lettered (a 4xx downstream is retried by rescheduling, not by redelivery).')
@minValue(1)
@maxValue(2000)
param maxDeliveryCount int = 10

@description('How long a delivery message may wait before it is dead-lettered as expired (ISO 8601).')
param messageTimeToLive string = 'P14D'

// ---------------------------------------------------------------------------------------------
// Function app
// ---------------------------------------------------------------------------------------------

// The imported SpamAssassin set holds about 1.3 GB once its engines are built (prefilter bench, README), and a
// publish holds the candidate beside the active and canary sets: 2048 does not fit that.
@description('Memory per Flex Consumption instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 4096

@description('Most instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

// Delivery is a ServiceBusProcessor hosted inside the app, not a triggered function, so the
// platform would never start an instance for it: something must keep one instance running. Every
// instance runs the hosted service whatever scale group it serves, so an always-ready instance of
// any group keeps delivery alive. "http" is the group chosen by default because the patterns API
// (publish, status, rollback) lives there: a rollback then never waits for a cold start, and the
// group exists in every build of the app. Scanning ("blob" group) still scales out on demand.
@description('Always-ready instances per Flex Consumption scale group ("http", "blob", "durable") or function ("function:<name>"). Keep at least one: delivery runs only on live instances.')
param alwaysReady alwaysReadySetting[] = [
  {
    name: 'http'
    instanceCount: 1
  }
]

@description('Function with the Event Grid blob trigger on incoming/ (mail).')
param scanFunctionName string = 'ScanMail'

@description('Function with the Event Grid blob trigger on patterns/uploads/ (pattern-set uploads).')
param patternUploadFunctionName string = 'PublishUploadedPatternSet'

// ---------------------------------------------------------------------------------------------
// SMTP downstream credentials
// ---------------------------------------------------------------------------------------------
// Downstreams (host, port, TLS policy, user name) are per served domain in config/domains.json, which
// the app re-reads while it runs; a downstream that needs SMTP AUTH names the configuration key of
// its password ("passwordSecret"). This deployment can provide one such key, backed by Key Vault.

@description('Configuration key a domains.json "passwordSecret" names, e.g. Downstreams:default:Password; empty when no downstream needs SMTP AUTH.')
param downstreamCredentialSetting string = ''

@secure()
@description('Password for the key named by downstreamCredentialSetting. Stored in Key Vault; empty keeps the stored secret unchanged.')
param downstreamPassword string = ''

@description('Turn on Key Vault purge protection (irreversible; blocks reusing the vault name for the retention period after a delete).')
param keyVaultPurgeProtection bool = false

// ---------------------------------------------------------------------------------------------
// Event Grid
// ---------------------------------------------------------------------------------------------

@description('Create the Event Grid subscriptions. Needs the code deployed first (the webhook key exists only then): false on the first run; infra/scripts/postdeploy.sh does the second step.')
param deployEventSubscriptions bool = false

@description('Delivery attempts per blob event before it is dead-lettered.')
@minValue(1)
@maxValue(30)
param eventMaxDeliveryAttempts int = 30

@description('Minutes Event Grid retries a blob event before it is dead-lettered.')
@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int = 1440

// ---------------------------------------------------------------------------------------------
// Monitoring and people
// ---------------------------------------------------------------------------------------------

@description('Days Log Analytics keeps logs and telemetry.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Object id of the operator (user or group) who uploads pattern sets and config/domains.json; gets Storage Blob Data Contributor on patterns/ and config/. Default: whoever deploys; empty for none.')
param operatorPrincipalId string = deployer().objectId

@description('Kind of principal operatorPrincipalId is.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param operatorPrincipalType string = 'User'

// ---------------------------------------------------------------------------------------------

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var allTags = union(tags, { 'azd-env-name': environmentName })

// Names are computed here rather than read from module outputs so What-If can predict every
// resource (modules still run in order through dependsOn).
var functionAppName = '${abbrs.webSitesFunctions}${resourceToken}'
var hostStorageName = '${abbrs.storageStorageAccounts}host${resourceToken}'
var dataStorageName = '${abbrs.storageStorageAccounts}data${resourceToken}'
var applicationInsightsName = '${abbrs.insightsComponents}${resourceToken}'
var serviceBusName = '${abbrs.serviceBusNamespaces}${resourceToken}'
var keyVaultName = '${abbrs.keyVaultVaults}${resourceToken}'
var systemTopicName = '${abbrs.eventGridSystemTopics}${resourceToken}'
var deploymentContainer = 'deployments'

// The pipeline's names (DESIGN.md, issue 3): one name per concept in code, docs and here.
var containers = {
  incoming: 'incoming'
  patterns: 'patterns'
  quarantine: 'quarantine'
  corpus: 'corpus'
  config: 'config'
  deadLetter: 'deadletter'
}
var deliverQueueName = 'deliver'
var statsTableName = 'scanstats'
// Where the blob trigger parks a blob that failed every retry (created here so the role on it
// can be scoped to this one queue).
var poisonQueueName = 'webjobs-blobtrigger-poison'
var downstreamPasswordSecretName = 'downstream-password'

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: applicationInsightsName
    location: location
    tags: allTags
    retentionDays: logRetentionDays
  }
}

module hostStorage 'modules/storage.bicep' = {
  name: 'host-storage'
  params: {
    name: hostStorageName
    location: location
    tags: allTags
    skuName: storageSku
    containers: [
      deploymentContainer
    ]
  }
}

module dataStorage 'modules/storage.bicep' = {
  name: 'data-storage'
  params: {
    name: dataStorageName
    location: location
    tags: allTags
    skuName: storageSku
    containers: [
      containers.incoming
      containers.patterns
      containers.quarantine
      containers.corpus
      containers.config
      containers.deadLetter
    ]
    queues: [
      poisonQueueName
    ]
    tables: [
      statsTableName
    ]
    retentionRules: [
      {
        name: 'incoming-retention'
        prefix: '${containers.incoming}/'
        days: incomingRetentionDays
      }
      {
        name: 'quarantine-retention'
        prefix: '${containers.quarantine}/'
        days: quarantineRetentionDays
      }
      {
        name: 'corpus-retention'
        prefix: '${containers.corpus}/'
        days: corpusRetentionDays
      }
    ]
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  params: {
    name: serviceBusName
    location: location
    tags: allTags
    skuName: serviceBusSku
    queueName: deliverQueueName
    duplicateDetectionWindow: duplicateDetectionWindow
    maxDeliveryCount: maxDeliveryCount
    messageTimeToLive: messageTimeToLive
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: keyVaultName
    location: location
    tags: allTags
    downstreamPasswordSecretName: downstreamPasswordSecretName
    downstreamPassword: downstreamPassword
    enablePurgeProtection: keyVaultPurgeProtection
  }
}

// Settings of the pipeline. Connections are identity-based: "<name>__<service>Uri" plus
// credential=managedidentity is the Functions convention (the blob trigger's Connection = "Storage"
// reads it) and Microsoft.Extensions.Azure reads the same section for the SDK clients.
var pipelineSettings = {
  Storage__blobServiceUri: dataStorage.outputs.blobEndpoint
  Storage__queueServiceUri: dataStorage.outputs.queueEndpoint
  Storage__tableServiceUri: dataStorage.outputs.tableEndpoint
  Storage__credential: 'managedidentity'
  ServiceBus__fullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
  ServiceBus__credential: 'managedidentity'
}

// The password never sits in the app's settings: a Key Vault reference (versionless, so a rotated
// secret is picked up) that the platform resolves with the app's identity. App setting names on
// Linux use "__" where configuration keys use ":".
var downstreamCredentialSettings = empty(downstreamCredentialSetting)
  ? {}
  : {
      '${replace(downstreamCredentialSetting, ':', '__')}': '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.vaultUri}secrets/${downstreamPasswordSecretName})'
    }

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: allTags
    hostStorageAccountName: hostStorageName
    deploymentContainerName: deploymentContainer
    applicationInsightsName: applicationInsightsName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    alwaysReady: alwaysReady
    appSettings: union(pipelineSettings, downstreamCredentialSettings)
  }
  dependsOn: [
    hostStorage
    monitoring
  ]
}

module eventGrid 'modules/eventgrid.bicep' = {
  name: 'eventgrid'
  params: {
    name: systemTopicName
    location: location
    tags: allTags
    storageAccountName: dataStorageName
  }
  dependsOn: [
    dataStorage
  ]
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  params: {
    // A system-assigned identity's object id is known only once the app (topic) exists. It is part
    // of each assignment's name on purpose: a recreated app gets a new identity and so new
    // assignments, instead of a name clash with the stale ones. What-If cannot predict those names.
    #disable-next-line what-if-short-circuiting
    appPrincipalId: functionApp.outputs.principalId
    #disable-next-line what-if-short-circuiting
    eventGridPrincipalId: eventGrid.outputs.principalId
    hostStorageAccountName: hostStorageName
    dataStorageAccountName: dataStorageName
    triggerContainers: [
      containers.incoming
      containers.patterns
    ]
    writeContainers: [
      containers.quarantine
      containers.corpus
      containers.config
    ]
    deadLetterContainer: containers.deadLetter
    poisonQueue: poisonQueueName
    statsTable: statsTableName
    serviceBusNamespaceName: serviceBusName
    serviceBusQueueName: deliverQueueName
    keyVaultName: keyVaultName
    applicationInsightsName: applicationInsightsName
    operatorPrincipalId: operatorPrincipalId
    operatorPrincipalType: operatorPrincipalType
    operatorContainers: [
      containers.patterns
      containers.config
    ]
  }
  dependsOn: [
    hostStorage
    monitoring
  ]
}

module eventSubscriptions 'modules/eventsubscriptions.bicep' = if (deployEventSubscriptions) {
  name: 'eventsubscriptions'
  params: {
    systemTopicName: systemTopicName
    functionAppName: functionAppName
    deadLetterStorageAccountName: dataStorageName
    deadLetterContainerName: containers.deadLetter
    maxDeliveryAttempts: eventMaxDeliveryAttempts
    eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
    scanFunctionName: scanFunctionName
    patternUploadFunctionName: patternUploadFunctionName
  }
  // The topic's identity must be allowed to write dead letters before a subscription uses it.
  dependsOn: [
    eventGrid
    functionApp
    rbac
  ]
}

// Outputs feed infra/scripts/postdeploy.sh and the README's commands. Names only, no secrets.
output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = resourceGroup().name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output AZURE_STORAGE_ACCOUNT_NAME string = dataStorage.outputs.name
output AZURE_HOST_STORAGE_ACCOUNT_NAME string = hostStorage.outputs.name
output SERVICE_BUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output SERVICE_BUS_QUEUE_NAME string = serviceBus.outputs.queueName
output KEY_VAULT_NAME string = keyVault.outputs.name
output EVENT_GRID_SYSTEM_TOPIC_NAME string = eventGrid.outputs.name
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output EVENT_SUBSCRIPTIONS_DEPLOYED bool = deployEventSubscriptions

// What infra/scripts/postdeploy.sh passes to the subscriptions module, so both ways of creating them agree.
output EVENT_MAX_DELIVERY_ATTEMPTS int = eventMaxDeliveryAttempts
output EVENT_TIME_TO_LIVE_IN_MINUTES int = eventTimeToLiveInMinutes
output SCAN_FUNCTION_NAME string = scanFunctionName
output PATTERN_UPLOAD_FUNCTION_NAME string = patternUploadFunctionName
