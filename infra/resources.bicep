// Everything QR Chain Attendance runs on, in one resource group:
//   Functions app (Flex Consumption, Node 22) ─ the backend (azd service "api": dist/functions from npm run package)
//   Static Web App (Standard) ─ the web app (azd service "web"), /api/* linked to the Functions app (same origin)
//   Storage account ─ Table Storage for the data, blobs for the Functions host and its deployment package
//   SignalR Service (serverless) ─ real time; Azure Managed Redis ─ the shared cache
//   Key Vault ─ JWT_SECRET and SMTP_URL; Log Analytics + Application Insights ─ logs and telemetry
//   Azure OpenAI (optional) ─ the session summary
// One user-assigned managed identity reaches all of them with Microsoft Entra ID; no account key, access key or
// connection string secret is handed out (local authentication is off where the service allows it). Each role
// assignment below names the code that needs it; backend/src/config.infra.test.ts checks the app settings against
// what backend/src/config.ts reads and the role assignments against what those settings need.

param environmentName string
param location string
param staticWebAppLocation string
param tags object
@secure()
param jwtSecret string
param adminEmails string
param teacherEmailDomains string
param studentEmailDomains string
@secure()
param smtpUrl string
param mailFrom string
param authProvider string
param publicUrl string
param logLevel string
param signalRUnits int
param redisSku string
param redisHighAvailability bool
param maximumInstanceCount int
param instanceMemoryMB int
param deployOpenAi bool
param openAiLocation string
param openAiModel string
param openAiModelVersion string
param openAiDeploymentName string
param openAiCapacity int

var token = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var deploymentContainer = 'app-package-${token}'

/** Built-in role definition ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles). */
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  signalRAppServer: '420fcaa2-552c-430f-98ca-3264be4806c7'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  cognitiveServicesOpenAIUser: '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd'
}

// ── Identity ──────────────────────────────────────────────────────────────────────────────────────────────────────

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${token}'
  location: location
  tags: tags
}

// ── Monitoring ────────────────────────────────────────────────────────────────────────────────────────────────────

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${token}'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${token}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    // Telemetry is sent with the identity's token (APPLICATIONINSIGHTS_AUTHENTICATION_STRING), not the key.
    DisableLocalAuth: true
  }
}

// ── Storage: Table Storage (data), blobs (Functions host, deployment package) ────────────────────────────────────

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'st${token}'
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    // Entra ID only: the account keys cannot be used (so none can leak).
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    dnsEndpointType: 'Standard'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource deploymentBlobs 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainer
}

// ── Key Vault: the secrets the app settings reference ────────────────────────────────────────────────────────────

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'kv-${token}'
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource jwtSecretValue 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'jwt-secret'
  properties: {
    value: jwtSecret
  }
}

resource smtpUrlValue 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(smtpUrl)) {
  parent: vault
  name: 'smtp-url'
  properties: {
    value: smtpUrl
  }
}

// ── SignalR Service, serverless ──────────────────────────────────────────────────────────────────────────────────

resource signalR 'Microsoft.SignalRService/signalR@2024-03-01' = {
  name: 'sigr-${token}'
  location: location
  tags: tags
  kind: 'SignalR'
  sku: {
    name: 'Standard_S1'
    tier: 'Standard'
    capacity: signalRUnits
  }
  properties: {
    features: [
      {
        flag: 'ServiceMode'
        value: 'Serverless'
      }
      {
        flag: 'EnableConnectivityLogs'
        value: 'True'
      }
    ]
    // Browsers and phones negotiate with the service directly, from the site's origin (its custom domain and the
    // Static Web App's own address).
    cors: {
      allowedOrigins: union([siteUrl], ['https://${staticWebApp.properties.defaultHostname}'])
    }
    // Entra ID only: REST calls with the identity's token, client tokens signed with temporary keys.
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
    tls: {
      clientCertEnabled: false
    }
  }
}

// ── Azure Managed Redis ──────────────────────────────────────────────────────────────────────────────────────────

resource redis 'Microsoft.Cache/redisEnterprise@2025-07-01' = {
  name: 'redis-${token}'
  location: location
  tags: tags
  sku: {
    name: redisSku
  }
  properties: {
    minimumTlsVersion: '1.2'
    highAvailability: redisHighAvailability ? 'Enabled' : 'Disabled'
    publicNetworkAccess: 'Enabled'
  }
}

resource redisDatabase 'Microsoft.Cache/redisEnterprise/databases@2025-07-01' = {
  parent: redis
  name: 'default'
  properties: {
    clientProtocol: 'Encrypted'
    port: 10000
    // One endpoint that routes keys itself: a plain (non-cluster) Redis client works.
    clusteringPolicy: 'EnterpriseCluster'
    // Every key has a TTL; when memory runs out, writes fail (a 503 the client retries) rather than rate limits
    // and one-time codes being evicted early.
    evictionPolicy: 'NoEviction'
    // Entra ID only: the identity AUTHs with its object id and a token.
    accessKeysAuthentication: 'Disabled'
  }
}

// ── Azure OpenAI (optional) ──────────────────────────────────────────────────────────────────────────────────────

resource openAi 'Microsoft.CognitiveServices/accounts@2024-10-01' = if (deployOpenAi) {
  name: 'oai-${token}'
  location: openAiLocation
  tags: tags
  kind: 'OpenAI'
  sku: {
    name: 'S0'
  }
  properties: {
    customSubDomainName: 'oai-${token}'
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

resource openAiDeployment 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = if (deployOpenAi) {
  parent: openAi
  name: openAiDeploymentName
  sku: {
    name: 'GlobalStandard'
    capacity: openAiCapacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: openAiModel
      version: openAiModelVersion
    }
  }
}

// ── Static Web App: the web app, /api linked to the Functions app ─────────────────────────────────────────────────

resource staticWebApp 'Microsoft.Web/staticSites@2024-04-01' = {
  name: 'swa-${token}'
  location: staticWebAppLocation
  tags: union(tags, { 'azd-service-name': 'web' })
  // Standard: needed to link the Functions app as the backend of /api.
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    // Content comes from azd deploy (the SWA CLI with the deployment token), not a connected repository.
    provider: 'Custom'
    stagingEnvironmentPolicy: 'Disabled'
    allowConfigFileUpdates: true
  }
}

var siteUrl = empty(publicUrl) ? 'https://${staticWebApp.properties.defaultHostname}' : publicUrl

// ── Functions app, Flex Consumption ──────────────────────────────────────────────────────────────────────────────

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${token}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: 'func-${token}'
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references in the app settings are resolved with this identity.
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
  dependsOn: [
    deploymentBlobs
  ]
}

// The settings backend/src/config.ts reads (docs/operations.md lists them), plus the Functions host's own.
var hostSettings = {
  // The Functions host's storage (timer leases, deployment): blobs with the identity.
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.properties.clientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
}

var appSettings = {
  NODE_ENV: 'production'
  LOG_LEVEL: logLevel
  PUBLIC_URL: siteUrl
  JWT_SECRET: '@Microsoft.KeyVault(SecretUri=${jwtSecretValue.properties.secretUri})'
  // The identity of every Entra ID connection without its own setting (Redis, Azure OpenAI).
  AZURE_CLIENT_ID: identity.properties.clientId
  // Table Storage with the identity (the same AzureWebJobsStorage__credential / __clientId as the host).
  AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
  REDIS_URL: 'rediss://${redis.properties.hostName}:${redisDatabase.properties.port}'
  REDIS_AUTH: 'entra'
  SignalRConnectionString: 'Endpoint=https://${signalR.properties.hostName};AuthType=azure.msi;ClientId=${identity.properties.clientId};Version=1.0;'
  AUTH_PROVIDER: authProvider
  ADMIN_EMAILS: adminEmails
  TEACHER_EMAIL_DOMAINS: teacherEmailDomains
  STUDENT_EMAIL_DOMAINS: studentEmailDomains
  MAIL_FROM: mailFrom
}

var smtpSettings = empty(smtpUrl) ? {} : {
  SMTP_URL: '@Microsoft.KeyVault(SecretUri=${smtpUrlValue.properties.secretUri})'
}

// Azure OpenAI with the identity: an endpoint and no key (the summary feature reads these).
var openAiSettings = deployOpenAi ? {
  AZURE_OPENAI_ENDPOINT: openAi.properties.endpoint
  AZURE_OPENAI_DEPLOYMENT: openAiDeploymentName
} : {}

resource functionAppSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: union(hostSettings, appSettings, smtpSettings, openAiSettings)
  // The app starts with these: its roles must be in place first.
  dependsOn: [
    hostBlobs
    tables
    signalRServer
    redisAccess
    secrets
    telemetry
    openAiUser
  ]
}

resource linkedBackend 'Microsoft.Web/staticSites/linkedBackends@2024-04-01' = {
  parent: staticWebApp
  name: 'api'
  properties: {
    backendResourceId: functionApp.id
    region: location
  }
}

// ── What the identity may do, and for which code ─────────────────────────────────────────────────────────────────

// The Functions host (AzureWebJobsStorage__blobServiceUri: timer leases and state) and the Flex deployment
// container it runs the package from.
resource hostBlobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// backend/src/adapters/tables: entities, and creating the tables on first use (AzureWebJobsStorage__tableServiceUri).
resource tables 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// backend/src/adapters/signalr: the REST data plane and temporary access keys (SignalRConnectionString AuthType=azure.msi).
resource signalRServer 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(signalR.id, identity.id, roles.signalRAppServer)
  scope: signalR
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.signalRAppServer)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// backend/src/adapters/redis: AUTH as the identity's object id (REDIS_AUTH=entra). Managed Redis grants data
// access by access policy assignment, not Azure RBAC; "default" is its built-in full data access policy.
resource redisAccess 'Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments@2025-07-01' = {
  parent: redisDatabase
  name: guid(redisDatabase.id, identity.id, 'default')
  properties: {
    accessPolicyName: 'default'
    user: {
      objectId: identity.properties.principalId
    }
  }
}

// The Key Vault references of JWT_SECRET and SMTP_URL.
resource secrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Application Insights with local authentication off (APPLICATIONINSIGHTS_AUTHENTICATION_STRING).
resource telemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// The session summary's calls to the model (AZURE_OPENAI_ENDPOINT without AZURE_OPENAI_API_KEY).
resource openAiUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (deployOpenAi) {
  name: guid(resourceGroup().id, identity.id, roles.cognitiveServicesOpenAIUser)
  scope: openAi
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.cognitiveServicesOpenAIUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

output functionAppName string = functionApp.name
output staticWebAppName string = staticWebApp.name
output identityClientId string = identity.properties.clientId
output publicUrl string = siteUrl
