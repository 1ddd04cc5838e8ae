// Event Grid subscriptions that call the blob extension's webhook of the function app: one per
// blob-triggered function (Event Grid source, the only blob trigger Flex Consumption runs).
//
// Deploy order: the webhook key (system key "blobs_extension") exists only after the code with the
// blob triggers has been deployed and the host has started, and Event Grid validates the webhook
// when a subscription is created. So this module runs last: main.bicep includes it only when
// deployEventSubscriptions is true, and infra/scripts/postdeploy.sh deploys this file on its own
// once the key exists. The key is read here with listKeys at deployment time: it never passes
// through a parameter, an output or a script variable.

@description('Event Grid system topic on the data storage account.')
param systemTopicName string

@description('Function app whose blob extension receives the events.')
param functionAppName string

@description('Storage account that holds the dead-letter container (the data account).')
param deadLetterStorageAccountName string

@description('Container for events Event Grid could not deliver.')
param deadLetterContainerName string = 'deadletter'

@description('Delivery attempts per event before it is dead-lettered.')
@minValue(1)
@maxValue(30)
param maxDeliveryAttempts int = 30

@description('Minutes Event Grid keeps retrying an event before it is dead-lettered.')
@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int = 1440

@description('Function with the blob trigger on incoming/ (mail).')
param scanFunctionName string = 'ScanMail'

@description('Function with the blob trigger on patterns/uploads/ (pattern-set uploads).')
param patternUploadFunctionName string = 'PublishUploadedPatternSet'

// Subjects look like /blobServices/default/containers/<container>/blobs/<blob name>. Mail blobs end in .eml; the
// companion envelope blobs beside them (<mail>.eml.envelope.json) would only wake ScanMail to be ignored.
var subscriptions = [
  {
    name: 'incoming-mail'
    subjectBeginsWith: '/blobServices/default/containers/incoming/blobs/'
    subjectEndsWith: '.eml'
    functionName: scanFunctionName
  }
  {
    name: 'pattern-uploads'
    subjectBeginsWith: '/blobServices/default/containers/patterns/blobs/uploads/'
    subjectEndsWith: ''
    functionName: patternUploadFunctionName
  }
]

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource app 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName
}

resource deadLetterStorage 'Microsoft.Storage/storageAccounts@2026-06-01' existing = {
  name: deadLetterStorageAccountName
}

var blobsExtensionKey = listKeys('${app.id}/host/default', '2025-03-01').systemKeys.blobs_extension

resource blobSubscriptions 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = [
  for subscription in subscriptions: {
    parent: topic
    name: subscription.name
    properties: {
      destination: {
        endpointType: 'WebHook'
        properties: {
          endpointUrl: 'https://${app.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.${subscription.functionName}&code=${blobsExtensionKey}'
          maxEventsPerBatch: 1
          preferredBatchSizeInKilobytes: 64
        }
      }
      eventDeliverySchema: 'EventGridSchema'
      filter: {
        includedEventTypes: [
          'Microsoft.Storage.BlobCreated'
        ]
        subjectBeginsWith: subscription.subjectBeginsWith
        subjectEndsWith: subscription.subjectEndsWith
      }
      retryPolicy: {
        maxDeliveryAttempts: maxDeliveryAttempts
        eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
      }
      deadLetterWithResourceIdentity: {
        identity: {
          type: 'SystemAssigned'
        }
        deadLetterDestination: {
          endpointType: 'StorageBlob'
          properties: {
            resourceId: deadLetterStorage.id
            blobContainerName: deadLetterContainerName
          }
        }
      }
    }
  }
]

@description('Names of the subscriptions created.')
output names string[] = [for (subscription, i) in subscriptions: blobSubscriptions[i].name]
