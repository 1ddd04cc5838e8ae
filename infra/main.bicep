// The serverless mail pre-filter on Azure: a Flex Consumption function app (scan, delivery,
// pattern release), Service Bus between scanning and delivery, Event Grid for blob events,
// Key Vault for the SMTP password and the STARTTLS certificate, Application Insights, the SMTP edge
// on Container Apps, the network that lets mail leave on port 25, and the role assignments that let
// the deployment's user-assigned identity do its work without a single key in any setting.
//
// Deploy in two steps (see README, "Deploy"): this template with deployEventSubscriptions=false,
// then the code, then infra/scripts/postdeploy.sh, which adds the Event Grid subscriptions once the
// blob extension's webhook key exists. `azd up` runs all three.

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

@description('Service Bus tier without vnetEnabled (Basic lacks duplicate detection). With vnetEnabled the namespace is always Premium: only Premium takes a private endpoint.')
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
@description('Always-ready instances per Flex Consumption scale group ("http", "blob", "durable") or function ("function:<name>"). Keep at least one: delivery runs only on live instances. The release gate\'s group comes from releaseGateAlwaysReady: do not list it here.')
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

// A queue trigger is neither "http" nor "blob": Flex Consumption scales it in a group of its own, so a gate compiling
// and benchmarking a candidate never shares an instance's memory and CPU with scanning.
@description('Queue-triggered function that runs the release gate (queue release-gate); its scale group is "function:<name>".')
param releaseGateFunctionName string = 'RunReleaseGate'

@description('Always-ready instances of the release gate\'s scale group. 0: a gate waits for a cold start, which a queued gate can afford.')
@minValue(0)
param releaseGateAlwaysReady int = 0

// ---------------------------------------------------------------------------------------------
// SMTP downstream credentials
// ---------------------------------------------------------------------------------------------
// Downstreams (host, port, TLS policy, user name) are per served domain in config/domains.json, which
// the app re-reads while it runs; a downstream that needs SMTP AUTH names the configuration key of
// its password ("passwordSecret"). This deployment can provide one such key, backed by Key Vault.

// Always set, so no later deployment can drop the Key Vault reference (appsettings replaces every setting): a
// reference to a secret not stored yet is harmless until a domain names the key.
@description('Configuration key a domains.json "passwordSecret" names; the app setting under it is a Key Vault reference to the stored password.')
@minLength(1)
param downstreamCredentialSetting string = 'Downstreams:default:Password'

@secure()
@description('Password for the key named by downstreamCredentialSetting. Stored in Key Vault; empty keeps the stored secret unchanged.')
param downstreamPassword string = ''

@description('Name of the Key Vault certificate (imported by the operator) the SMTP edge offers with STARTTLS; empty offers no STARTTLS. A name of a certificate not in the vault fails the deployment.')
param smtpCertificateName string = ''

@description('Turn on Key Vault purge protection (irreversible; blocks reusing the vault name for the retention period after a delete).')
param keyVaultPurgeProtection bool = false

// ---------------------------------------------------------------------------------------------
// Network and the SMTP edge
// ---------------------------------------------------------------------------------------------

@description('Create the VNet: the app and the SMTP edge send through a NAT gateway with a static IP (outbound port 25 needs it), storage and Service Bus take the app\'s traffic on private endpoints. false deploys no SMTP edge (TCP ingress needs a VNet environment) and no port-25 egress.')
param vnetEnabled bool = true

@description('With vnetEnabled: public addresses or CIDR ranges allowed to reach the data account (operators uploading pattern sets and config/domains.json with az storage blob upload).')
param operatorIpRanges string[] = []

@description('Image of the SMTP edge; azd sets it after building infra/ingress/Dockerfile (empty: a placeholder until then).')
param ingressImage string = ''

@description('Name the SMTP edge gives in its greeting, EHLO and Received lines: the MX host name, matching its certificate. Empty: the container app\'s own host name.')
param smtpServerName string = ''

@description('SMTP edge replicas that always run.')
@minValue(1)
param ingressMinReplicas int = 1

@description('Most SMTP edge replicas.')
@minValue(1)
@maxValue(300)
param ingressMaxReplicas int = 10

@description('Open SMTP connections per edge replica before another starts.')
@minValue(1)
param ingressConnectionsPerReplica int = 100

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
var identityName = '${abbrs.managedIdentityUserAssignedIdentities}${resourceToken}'
var logAnalyticsName = '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
var registryName = '${abbrs.containerRegistryRegistries}${resourceToken}'
var ingressAppName = '${abbrs.appContainerApps}ingress-${resourceToken}'
var deploymentContainer = 'deployments'
var serviceBusTier = vnetEnabled ? 'Premium' : serviceBusSku

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
// Publish puts a gate request here; the queue trigger moves one that failed every dequeue to <queue>-poison.
var releaseGateQueueName = 'release-gate'
var releaseGatePoisonQueueName = 'release-gate-poison'
var downstreamPasswordSecretName = 'downstream-password'

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: identityName
    location: location
    tags: allTags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: logAnalyticsName
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
    // Only the app uses the host account, through its private endpoints.
    networkRestricted: vnetEnabled
    publicNetworkAccess: !vnetEnabled
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
      releaseGateQueueName
      releaseGatePoisonQueueName
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
    // The public endpoint stays on, closed but for the operators' addresses and Event Grid (a trusted service),
    // which writes dead-lettered events here and cannot use a private endpoint.
    networkRestricted: vnetEnabled
    allowedIpRanges: operatorIpRanges
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  params: {
    name: serviceBusName
    location: location
    tags: allTags
    skuName: serviceBusTier
    publicNetworkAccess: !vnetEnabled
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

// Private endpoints for what the app reaches inside the VNet: the host account (blob: code packages, host
// locks; queue: the blob trigger's host queue), the data account (blob, queue, table) and Service Bus.
var privateEndpoints = [
  {
    name: '${abbrs.networkPrivateEndpoints}${hostStorageName}-blob'
    resourceType: 'Microsoft.Storage/storageAccounts'
    resourceName: hostStorageName
    groupId: 'blob'
  }
  {
    name: '${abbrs.networkPrivateEndpoints}${hostStorageName}-queue'
    resourceType: 'Microsoft.Storage/storageAccounts'
    resourceName: hostStorageName
    groupId: 'queue'
  }
  {
    name: '${abbrs.networkPrivateEndpoints}${dataStorageName}-blob'
    resourceType: 'Microsoft.Storage/storageAccounts'
    resourceName: dataStorageName
    groupId: 'blob'
  }
  {
    name: '${abbrs.networkPrivateEndpoints}${dataStorageName}-queue'
    resourceType: 'Microsoft.Storage/storageAccounts'
    resourceName: dataStorageName
    groupId: 'queue'
  }
  {
    name: '${abbrs.networkPrivateEndpoints}${dataStorageName}-table'
    resourceType: 'Microsoft.Storage/storageAccounts'
    resourceName: dataStorageName
    groupId: 'table'
  }
  {
    name: '${abbrs.networkPrivateEndpoints}${serviceBusName}'
    resourceType: 'Microsoft.ServiceBus/namespaces'
    resourceName: serviceBusName
    groupId: 'namespace'
  }
]

module network 'modules/network.bicep' = if (vnetEnabled) {
  name: 'network'
  params: {
    name: '${abbrs.networkVirtualNetworks}${resourceToken}'
    location: location
    tags: allTags
    natGatewayName: '${abbrs.networkNatGateways}${resourceToken}'
    publicIpName: '${abbrs.networkPublicIPAddresses}${resourceToken}'
    privateEndpoints: privateEndpoints
  }
  dependsOn: [
    hostStorage
    dataStorage
    serviceBus
  ]
}

// Settings of the pipeline, shared by the function app and the SMTP edge. Connections are identity-based:
// "<name>__<service>Uri" plus credential=managedidentity and the user-assigned identity's clientId is the Functions
// convention (the triggers' Connection = "Storage" reads it); the SDK clients use DefaultAzureCredential, which
// takes the same identity from AZURE_CLIENT_ID.
var storageSettings = {
  Storage__blobServiceUri: dataStorage.outputs.blobEndpoint
  Storage__queueServiceUri: dataStorage.outputs.queueEndpoint
  Storage__tableServiceUri: dataStorage.outputs.tableEndpoint
  Storage__credential: 'managedidentity'
  Storage__clientId: identity.outputs.clientId
  AZURE_CLIENT_ID: identity.outputs.clientId
}

// The password never sits in the app's settings: a Key Vault reference (versionless, so a rotated
// secret is picked up) that the platform resolves with the identity named by keyVaultReferenceIdentity.
// App setting names on Linux use "__" where configuration keys use ":".
var pipelineSettings = union(storageSettings, {
  ServiceBus__fullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
  ServiceBus__credential: 'managedidentity'
  ServiceBus__clientId: identity.outputs.clientId
  '${replace(downstreamCredentialSetting, ':', '__')}': '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.vaultUri}secrets/${downstreamPasswordSecretName})'
})

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  params: {
    // A principal id is known only once the identity exists (still before the app). It is part of each
    // assignment's name on purpose: a recreated identity gets new assignments instead of a name clash with the
    // stale ones. What-If cannot predict those names.
    #disable-next-line what-if-short-circuiting
    identityPrincipalId: identity.outputs.principalId
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
    poisonQueues: [
      poisonQueueName
      releaseGatePoisonQueueName
    ]
    releaseGateQueue: releaseGateQueueName
    statsTable: statsTableName
    serviceBusNamespaceName: serviceBusName
    serviceBusQueueName: deliverQueueName
    keyVaultName: keyVaultName
    applicationInsightsName: applicationInsightsName
    containerRegistryName: vnetEnabled ? registryName : ''
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
    registry
  ]
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
    alwaysReady: concat(alwaysReady, [
      {
        name: 'function:${releaseGateFunctionName}'
        instanceCount: releaseGateAlwaysReady
      }
    ])
    appSettings: pipelineSettings
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    subnetId: vnetEnabled ? network!.outputs.appSubnetId : ''
  }
  // The identity's roles are in place before the app first starts: its first publish and its Key Vault
  // reference need them.
  dependsOn: [
    rbac
  ]
}

module registry 'modules/registry.bicep' = if (vnetEnabled) {
  name: 'registry'
  params: {
    name: registryName
    location: location
    tags: allTags
  }
}

// After the role assignments: the container app reads its certificate from Key Vault and pulls its image with the
// identity as it starts.
module edge 'modules/edge.bicep' = if (vnetEnabled) {
  name: 'edge'
  params: {
    registryName: registryName
    environmentName: '${abbrs.appManagedEnvironments}${resourceToken}'
    name: ingressAppName
    location: location
    tags: allTags
    subnetId: network!.outputs.edgeSubnetId
    logAnalyticsName: logAnalyticsName
    identityId: identity.outputs.id
    image: ingressImage
    settings: storageSettings
    serverName: smtpServerName
    certificateSecretUri: empty(smtpCertificateName) ? '' : '${keyVault.outputs.vaultUri}secrets/${smtpCertificateName}'
    minReplicas: ingressMinReplicas
    maxReplicas: ingressMaxReplicas
    connectionsPerReplica: ingressConnectionsPerReplica
  }
  dependsOn: [
    monitoring
    registry
    rbac
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
output RELEASE_GATE_FUNCTION_NAME string = releaseGateFunctionName
output RELEASE_GATE_QUEUE_NAME string = releaseGateQueueName

// The identity the app and the edge run as (a client id is no secret: it names the identity, it does not prove it).
output AZURE_USER_ASSIGNED_IDENTITY_CLIENT_ID string = identity.outputs.clientId

// The network and the SMTP edge (empty without vnetEnabled). azd pushes the edge's image to
// AZURE_CONTAINER_REGISTRY_ENDPOINT; the MX host's A record points at SMTP_EDGE_IP_ADDRESS; downstreams allow-list
// OUTBOUND_IP_ADDRESS.
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = vnetEnabled ? registry!.outputs.loginServer : ''
output SMTP_EDGE_NAME string = vnetEnabled ? edge!.outputs.name : ''
output SMTP_EDGE_FQDN string = vnetEnabled ? edge!.outputs.fqdn : ''
output SMTP_EDGE_IP_ADDRESS string = vnetEnabled ? edge!.outputs.ipAddress : ''
output OUTBOUND_IP_ADDRESS string = vnetEnabled ? network!.outputs.outboundIpAddress : ''
