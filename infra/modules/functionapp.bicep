// The function app: Flex Consumption (FC1, Linux), .NET isolated worker on .NET 10, the deployment's
// user-assigned identity, code packages in a blob container read with that identity, every connection
// identity-based (no account key, no SAS, no connection string with a secret).

@description('Function app name.')
param name string

@description('Flex Consumption plan name.')
param planName string

@description('Azure region.')
param location string

@description('Tags for the plan and the app.')
param tags object

@description('Name of the function app\'s service in azure.yaml.')
param azdServiceName string = 'prefilter'

@description('Storage account for the Functions host (AzureWebJobsStorage) and the code packages.')
param hostStorageAccountName string

@description('Container in the host storage account that holds the deployed code packages.')
param deploymentContainerName string

@description('Application Insights component the app sends telemetry to.')
param applicationInsightsName string

@description('Memory per instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Upper bound on instances (Flex Consumption accepts 40-1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

@description('Always-ready instances per scale group ("http", "blob", "durable") or per function ("function:<name>").')
param alwaysReady alwaysReadySetting[]

@description('App settings of the pipeline itself (merged with the host settings this module sets).')
param appSettings object

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity.')
param identityClientId string

@description('Subnet (delegated to Microsoft.App/environments) the app sends all outbound traffic through; empty for none.')
param subnetId string

@export()
@description('Instances kept running for one Flex Consumption scale group or function.')
type alwaysReadySetting = {
  @description('"http", "blob", "durable" or "function:<name>".')
  name: string
  @description('Instances kept running.')
  @minValue(0)
  instanceCount: int
}

resource hostStorage 'Microsoft.Storage/storageAccounts@2026-06-01' existing = {
  name: hostStorageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    // Linux
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  // azd deploys the service of azure.yaml to the resource with its name in this tag.
  tags: union(tags, { 'azd-service-name': azdServiceName })
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
    keyVaultReferenceIdentity: identityId
    virtualNetworkSubnetId: empty(subnetId) ? null : subnetId
    // Everything leaves through the subnet, so SMTP to downstreams goes out by the NAT gateway's address.
    outboundVnetRouting: empty(subnetId)
      ? null
      : {
          allTraffic: true
        }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${hostStorage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        alwaysReady: alwaysReady
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

// Flex Consumption takes the worker runtime and version from functionAppConfig and refuses the old
// FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION / WEBSITE_RUN_FROM_PACKAGE settings.
resource settings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: app
  name: 'appsettings'
  properties: union(appSettings, {
    // Host storage through the app's identity. The blob trigger's Event Grid source still uses
    // host queues, hence the queue URI; no table URI because nothing here uses host tables.
    AzureWebJobsStorage__blobServiceUri: hostStorage.properties.primaryEndpoints.blob
    AzureWebJobsStorage__queueServiceUri: hostStorage.properties.primaryEndpoints.queue
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    // The connection string names the component and ingestion endpoint only; with local auth off
    // on the component, the host authenticates ingestion with the app's identity (Entra ID).
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  })
}

@description('Function app name.')
output name string = app.name

@description('Default host name, e.g. <name>.azurewebsites.net.')
output defaultHostName string = app.properties.defaultHostName
