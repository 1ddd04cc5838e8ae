// The SMTP edge: `prefilter ingress` (the same SMTP door as `prefilter up`) on Azure Container Apps, in an environment
// integrated with the VNet's "edge" subnet. Functions cannot listen on port 25; a container app with TCP ingress can,
// and only in a VNet environment. It runs as the deployment's user-assigned identity: storage without keys, the image
// pulled from the registry, the STARTTLS certificate read from Key Vault as a secret and mounted as a file.

@description('Container registry the image is pulled from (registry.bicep).')
param registryName string

@description('Container Apps environment name.')
param environmentName string

@description('Container app name.')
param name string

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object

@description('Name of the SMTP edge\'s service in azure.yaml.')
param azdServiceName string = 'ingress'

@description('Subnet of the environment (delegated to Microsoft.App/environments).')
param subnetId string

@description('Log Analytics workspace the environment\'s logs go to.')
param logAnalyticsName string

@description('Resource id of the user-assigned identity the container runs as.')
param identityId string

@description('Image to run; empty runs a placeholder until azd deploys the built image.')
param image string

@description('Settings of the ingress, as environment variables (the same names as the function app\'s settings).')
param settings object

@description('Name the ingress gives in its greeting, EHLO replies and Received lines (the MX host name, matching its certificate); empty: the container app\'s own host name.')
param serverName string

@description('Key Vault secret URI of the STARTTLS certificate (a Key Vault certificate\'s secret, versionless); empty offers no STARTTLS.')
param certificateSecretUri string

@description('Replicas kept running whatever the load: an MX must always answer.')
@minValue(1)
param minReplicas int

@description('Most replicas.')
@minValue(1)
param maxReplicas int

@description('Open SMTP connections per replica before another replica starts.')
@minValue(1)
param connectionsPerReplica int

// The SMTP port on both sides: what the MX's senders connect to, and what `prefilter ingress` listens on.
var smtpPort = 25
var certificateSecretName = 'smtp-certificate'
var certificateDirectory = '/mnt/certificates'

resource workspace 'Microsoft.OperationalInsights/workspaces@2026-03-01' existing = {
  name: logAnalyticsName
}

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' existing = {
  name: registryName
}

resource environment 'Microsoft.App/managedEnvironments@2025-01-01' = {
  name: environmentName
  location: location
  tags: tags
  properties: {
    vnetConfiguration: {
      infrastructureSubnetId: subnetId
      internal: false
    }
    // A workload-profiles environment: its outbound traffic follows the subnet's NAT gateway.
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
    // Logs go through a diagnostic setting (below), which needs no workspace key.
    appLogsConfiguration: {
      destination: 'azure-monitor'
    }
  }
}

// 2021-05-01-preview is the newest version of a diagnostic setting on a resource; the linter's only other choice,
// 2016-09-01, is a different (service-level) type.
#disable-next-line use-recent-api-versions
resource environmentLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'logs'
  scope: environment
  properties: {
    workspaceId: workspace.id
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
  }
}

var certificateSettings = empty(certificateSecretUri)
  ? {}
  : {
      SmtpIngress__CertificatePath: '${certificateDirectory}/${certificateSecretName}'
    }

// The settings only the edge has: where it listens, its certificate and its name (SmtpIngressOptions).
var ingressSettings = union(certificateSettings, {
  SmtpIngress__ListenAddress: '0.0.0.0'
  SmtpIngress__Port: string(smtpPort)
})

var environmentVariables = [
  for setting in items(union(settings, ingressSettings)): {
    name: setting.key
    value: setting.value
  }
]

resource app 'Microsoft.App/containerApps@2025-01-01' = {
  name: name
  location: location
  // azd deploys the service of azure.yaml to the resource with its name in this tag.
  tags: union(tags, { 'azd-service-name': azdServiceName })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    managedEnvironmentId: environment.id
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        transport: 'tcp'
        targetPort: smtpPort
        exposedPort: smtpPort
      }
      registries: [
        {
          server: registry.properties.loginServer
          identity: identityId
        }
      ]
      secrets: empty(certificateSecretUri)
        ? []
        : [
            {
              name: certificateSecretName
              keyVaultUrl: certificateSecretUri
              identity: identityId
            }
          ]
    }
    template: {
      containers: [
        {
          name: 'ingress'
          image: empty(image) ? 'mcr.microsoft.com/k8se/quickstart:latest' : image
          resources: {
            cpu: json('0.5')
            memory: '1Gi'
          }
          env: concat(environmentVariables, [
            {
              name: 'SmtpIngress__ServerName'
              value: empty(serverName) ? '${name}.${environment.properties.defaultDomain}' : serverName
            }
          ])
          volumeMounts: empty(certificateSecretUri)
            ? []
            : [
                {
                  volumeName: 'certificates'
                  mountPath: certificateDirectory
                }
              ]
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'smtp-connections'
            tcp: {
              metadata: {
                concurrentConnections: string(connectionsPerReplica)
              }
            }
          }
        ]
      }
      volumes: empty(certificateSecretUri)
        ? []
        : [
            {
              name: 'certificates'
              storageType: 'Secret'
              secrets: [
                {
                  secretRef: certificateSecretName
                  path: certificateSecretName
                }
              ]
            }
          ]
    }
  }
}

@description('Container app name.')
output name string = app.name

@description('Host name of the container app\'s TCP ingress.')
output fqdn string = app.properties.configuration.ingress.fqdn

@description('Public IP address of the environment: the address the MX host\'s A record points at.')
output ipAddress string = environment.properties.staticIp
