// Service Bus between scanning and delivery: the scan stage sends a claim-check message per mail
// to queue `deliver`; the delivery stage (a ServiceBusProcessor hosted in the function app)
// relays the mail over SMTP and completes the message only after the downstream said 250.

@description('Namespace name (6-50 characters).')
@minLength(6)
@maxLength(50)
param name string

@description('Azure region.')
param location string

@description('Tags for the namespace.')
param tags object

@description('Namespace tier. Basic has no duplicate detection, which the pipeline relies on.')
@allowed([
  'Standard'
  'Premium'
])
param skuName string

@description('Reachable from the internet; false when a private endpoint carries the app\'s traffic (Premium only).')
param publicNetworkAccess bool = true

@description('Name of the delivery queue.')
param queueName string

@description('How long Service Bus remembers a MessageId. The scan stage derives the MessageId from the mail, so a repeated blob event inside this window cannot queue a second delivery (ISO 8601, at most P7D).')
param duplicateDetectionWindow string

@description('Deliveries of one message before Service Bus moves it to the dead-letter queue.')
@minValue(1)
@maxValue(2000)
param maxDeliveryCount int

@description('How long a message may wait undelivered before it is dead-lettered (ISO 8601).')
param messageTimeToLive string

resource namespace 'Microsoft.ServiceBus/namespaces@2026-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuName
    capacity: skuName == 'Premium' ? 1 : null
  }
  properties: {
    // Entra ID only: the app authenticates with its managed identity, nobody holds a SAS key.
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: publicNetworkAccess ? 'Enabled' : 'Disabled'
  }
}

resource deliverQueue 'Microsoft.ServiceBus/namespaces/queues@2026-01-01' = {
  parent: namespace
  name: queueName
  properties: {
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
    maxDeliveryCount: maxDeliveryCount
    // The longest lock Service Bus grants: an SMTP relay of a large mail to a slow downstream must
    // finish (or renew) before the lock lapses, or another instance would relay it a second time.
    lockDuration: 'PT5M'
    defaultMessageTimeToLive: messageTimeToLive
    // An expired message is a mail that was never delivered: keep it, with its reason, in the DLQ.
    deadLetteringOnMessageExpiration: true
    requiresSession: false
    enableBatchedOperations: true
  }
}

@description('Namespace name.')
output name string = namespace.name

@description('Host name clients connect to, e.g. <name>.servicebus.windows.net.')
// Taken from the endpoint (https://<name>.servicebus.windows.net:443/) so sovereign clouds work too.
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '/')[2], ':')[0]

@description('Delivery queue name.')
output queueName string = deliverQueue.name
