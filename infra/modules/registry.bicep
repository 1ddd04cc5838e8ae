// The container registry of the SMTP edge's image. azd builds infra/ingress/Dockerfile and pushes here with the
// deployer's Entra ID login; the container app pulls with the user-assigned identity (AcrPull, rbac.bicep). No admin
// user, no anonymous pull. Created before the role assignments, which the container app needs before it starts.

@description('Registry name (5-50 letters and digits).')
@minLength(5)
@maxLength(50)
param name string

@description('Azure region.')
param location string

@description('Tags for the registry.')
param tags object

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Basic'
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
  }
}

@description('Registry name.')
output name string = registry.name

@description('Login server, e.g. <name>.azurecr.io.')
output loginServer string = registry.properties.loginServer
