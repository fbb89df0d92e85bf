// QR Chain Attendance on Azure (azd up): a resource group with everything in infra/resources.bicep.
// Check it before a first deployment (the Bicep compiler is not part of this repository's toolchain):
//   az bicep build --file infra/main.bicep     # compiles, type-checks resource properties
//   azd provision --preview                    # what would be created or changed, nothing is
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment (e.g. qrca-prod): names the resource group and tags every resource.')
param environmentName string

@minLength(1)
@description('Region of the Functions app, storage, SignalR, Redis, Key Vault and monitoring. It must offer the Flex Consumption plan (az functionapp list-flexconsumption-locations) and Azure Managed Redis.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Region of the Static Web App (offered in a few regions only; its files are served from a global network).')
@allowed([
  'centralus'
  'eastus2'
  'eastasia'
  'westeurope'
  'westus2'
])
param staticWebAppLocation string = 'westeurope'

@secure()
@description('JWT_SECRET: signs session tokens, derives sign-in codes and hold secrets. Generated once by azd and kept in the environment; changing it signs everyone out.')
@metadata({
  azd: {
    type: 'generate'
    config: {
      length: 64
      noSpecial: true
    }
  }
})
param jwtSecret string

@description('ADMIN_EMAILS: comma-separated addresses of the administrators (azd env set ADMIN_EMAILS …).')
param adminEmails string = ''

@description('TEACHER_EMAIL_DOMAINS: comma-separated domains whose addresses sign in as teachers.')
param teacherEmailDomains string = ''

@description('STUDENT_EMAIL_DOMAINS: comma-separated domains whose addresses sign in as students.')
param studentEmailDomains string = ''

@secure()
@description('SMTP_URL: smtps://user:password@host:465 (or smtp://…:587) that sends the sign-in codes; kept in Key Vault.')
param smtpUrl string = ''

@description('MAIL_FROM: sender of the sign-in emails; default "QR Chain Attendance <no-reply@<the site\'s host>>".')
param mailFrom string = ''

@description('AUTH_PROVIDER: local (email codes, needs smtpUrl) or swa (Static Web Apps sign-in).')
@allowed([
  'local'
  'swa'
])
param authProvider string = 'local'

@description('PUBLIC_URL when the site has a custom domain (https://attend.example.edu); default the Static Web App address.')
param publicUrl string = ''

@description('LOG_LEVEL of the Functions app.')
@allowed([
  'fatal'
  'error'
  'warn'
  'info'
  'debug'
  'trace'
])
param logLevel string = 'info'

@description('SignalR Service units: each holds 1,000 concurrent connections (one per open dashboard, display or phone).')
@minValue(1)
@maxValue(100)
param signalRUnits int = 1

@description('Azure Managed Redis SKU (Balanced_B0 is the smallest).')
param redisSku string = 'Balanced_B0'

@description('Azure Managed Redis high availability (a replica; about doubles its price).')
param redisHighAvailability bool = false

@description('Most instances the Functions app scales out to.')
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each Functions instance (MB).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Create an Azure OpenAI account and model deployment for the session summary (optional).')
param deployOpenAi bool = false

@description('Region of the Azure OpenAI account (model availability differs by region); default the main location.')
param openAiLocation string = ''

@description('Azure OpenAI model, version and deployment name (AZURE_OPENAI_DEPLOYMENT).')
param openAiModel string = 'gpt-4o-mini'
param openAiModelVersion string = '2024-07-18'
param openAiDeploymentName string = 'gpt-4o-mini'

@description('Azure OpenAI deployment capacity, in thousands of tokens per minute.')
param openAiCapacity int = 10

var tags = {
  'azd-env-name': environmentName
}

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module resources 'resources.bicep' = {
  name: 'resources'
  scope: rg
  params: {
    environmentName: environmentName
    location: location
    staticWebAppLocation: staticWebAppLocation
    tags: tags
    jwtSecret: jwtSecret
    adminEmails: adminEmails
    teacherEmailDomains: teacherEmailDomains
    studentEmailDomains: studentEmailDomains
    smtpUrl: smtpUrl
    mailFrom: mailFrom
    authProvider: authProvider
    publicUrl: publicUrl
    logLevel: logLevel
    signalRUnits: signalRUnits
    redisSku: redisSku
    redisHighAvailability: redisHighAvailability
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    deployOpenAi: deployOpenAi
    openAiLocation: empty(openAiLocation) ? location : openAiLocation
    openAiModel: openAiModel
    openAiModelVersion: openAiModelVersion
    openAiDeploymentName: openAiDeploymentName
    openAiCapacity: openAiCapacity
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = resources.outputs.functionAppName
output AZURE_STATIC_WEB_APP_NAME string = resources.outputs.staticWebAppName
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = resources.outputs.identityClientId
output WEB_URL string = resources.outputs.publicUrl
