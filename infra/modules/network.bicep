// The deployment's network (vnetEnabled): a VNet whose "app" subnet carries the function app's outbound traffic and
// whose "edge" subnet holds the Container Apps environment of the SMTP edge, both leaving through one NAT gateway
// with a static public IP. Azure lets outbound SMTP (port 25) leave only that way, and the IP is what downstreams
// allow-list. The "endpoints" subnet holds the private endpoints of storage and Service Bus, resolved through
// private DNS zones linked to the VNet.

@description('Virtual network name.')
param name string

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('NAT gateway name.')
param natGatewayName string

@description('Name of the NAT gateway\'s public IP address.')
param publicIpName string

@description('Address space of the VNet; the subnets are carved from its first /16.')
param addressPrefix string = '10.20.0.0/16'

@description('Private endpoints to create in the endpoints subnet: the resource and its sub-resource ("blob", "queue", "table", "namespace").')
param privateEndpoints privateEndpoint[]

@export()
@description('A private endpoint for one sub-resource of one resource.')
type privateEndpoint = {
  @description('Endpoint name.')
  name: string
  @description('Type of the resource the endpoint reaches.')
  resourceType: ('Microsoft.Storage/storageAccounts' | 'Microsoft.ServiceBus/namespaces')
  @description('Name of that resource, in this resource group.')
  resourceName: string
  @description('Sub-resource: "blob", "queue", "table" (storage) or "namespace" (Service Bus).')
  groupId: ('blob' | 'queue' | 'table' | 'namespace')
}

// Private DNS zone of each sub-resource: clients keep using the public host names, which resolve to the endpoints
// inside the VNet.
var zoneNames = {
  blob: 'privatelink.blob.${environment().suffixes.storage}'
  queue: 'privatelink.queue.${environment().suffixes.storage}'
  table: 'privatelink.table.${environment().suffixes.storage}'
  namespace: 'privatelink.servicebus.windows.net'
}

// Flex Consumption integrates with a subnet delegated to Microsoft.App/environments, as does a Container Apps
// environment with workload profiles (the kind whose outbound traffic a NAT gateway can carry); neither may share it.
var delegatedToContainerApps = [
  {
    name: 'Microsoft.App.environments'
    properties: {
      serviceName: 'Microsoft.App/environments'
    }
  }
]

resource publicIp 'Microsoft.Network/publicIPAddresses@2025-07-01' = {
  name: publicIpName
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  properties: {
    publicIPAllocationMethod: 'Static'
    publicIPAddressVersion: 'IPv4'
  }
}

resource natGateway 'Microsoft.Network/natGateways@2025-07-01' = {
  name: natGatewayName
  location: location
  tags: tags
  sku: {
    name: 'Standard'
  }
  properties: {
    idleTimeoutInMinutes: 10
    publicIpAddresses: [
      {
        id: publicIp.id
      }
    ]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2025-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: 'app'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 24, 0)
          delegations: delegatedToContainerApps
          natGateway: {
            id: natGateway.id
          }
        }
      }
      {
        name: 'endpoints'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 24, 1)
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
      {
        // A /23 leaves the environment room to scale its replicas out.
        name: 'edge'
        properties: {
          addressPrefix: cidrSubnet(addressPrefix, 23, 1)
          delegations: delegatedToContainerApps
          natGateway: {
            id: natGateway.id
          }
        }
      }
    ]
  }
}

resource appSubnet 'Microsoft.Network/virtualNetworks/subnets@2025-07-01' existing = {
  parent: vnet
  name: 'app'
}

resource endpointsSubnet 'Microsoft.Network/virtualNetworks/subnets@2025-07-01' existing = {
  parent: vnet
  name: 'endpoints'
}

resource edgeSubnet 'Microsoft.Network/virtualNetworks/subnets@2025-07-01' existing = {
  parent: vnet
  name: 'edge'
}

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [
  for zone in items(zoneNames): {
    name: zone.value
    location: 'global'
    tags: tags
  }
]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [
  for (zone, i) in items(zoneNames): {
    parent: zones[i]
    name: name
    location: 'global'
    tags: tags
    properties: {
      registrationEnabled: false
      virtualNetwork: {
        id: vnet.id
      }
    }
  }
]

resource endpoints 'Microsoft.Network/privateEndpoints@2025-07-01' = [
  for endpoint in privateEndpoints: {
    name: endpoint.name
    location: location
    tags: tags
    properties: {
      subnet: {
        id: endpointsSubnet.id
      }
      privateLinkServiceConnections: [
        {
          name: endpoint.name
          properties: {
            privateLinkServiceId: resourceId(endpoint.resourceType, endpoint.resourceName)
            groupIds: [
              endpoint.groupId
            ]
          }
        }
      ]
    }
  }
]

resource endpointZoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2025-07-01' = [
  for (endpoint, i) in privateEndpoints: {
    parent: endpoints[i]
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [
        {
          name: endpoint.groupId
          properties: {
            privateDnsZoneId: resourceId('Microsoft.Network/privateDnsZones', zoneNames[endpoint.groupId])
          }
        }
      ]
    }
    dependsOn: [
      zones
    ]
  }
]

@description('Subnet the function app integrates with.')
output appSubnetId string = appSubnet.id

@description('Subnet of the Container Apps environment.')
output edgeSubnetId string = edgeSubnet.id

@description('The static address all outbound traffic of the app and the edge leaves from: what downstreams allow-list.')
output outboundIpAddress string = publicIp.properties.ipAddress
