using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;

namespace Prefilter.Infra.Tests;

/// <summary>
/// What the design needs, checked on the ARM JSON the real Bicep compiler produced from infra/main.bicep
/// (walking every module's nested template), not on the Bicep text.
/// </summary>
[Collection(CompiledDeploymentCollection.Name)]
public sealed partial class CompiledTemplateTests(CompiledDeployment compiled)
{
    // Built-in role definition ids.
    private const string BlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string BlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    private const string QueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string TableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string ServiceBusDataSender = "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39";
    private const string ServiceBusDataReceiver = "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0";
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
    private const string AcrPull = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
    private const string KeyVaultCertificatesOfficer = "a4417e6f-fecd-4de8-b567-7b0420556985";

    // The deployment's user-assigned identity: the function app and the SMTP edge run as it.
    private const string AppPrincipal = "[parameters('identityPrincipalId')]";
    private const string EventGridPrincipal = "[parameters('eventGridPrincipalId')]";
    private const string OperatorPrincipal = "[parameters('operatorPrincipalId')]";

    [Fact]
    public void Outputs_carry_no_secret()
    {
        var outputs = compiled.Templates.SelectMany(template => template.Outputs().Select(output => (template.Path, output))).ToList();

        Assert.NotEmpty(outputs);
        Assert.Contains(outputs, entry => entry.output.Name == "SMTP_EDGE_IP_ADDRESS");
        Assert.All(outputs, entry =>
        {
            var (path, output) = entry;
            var template = compiled.Templates.Single(candidate => candidate.Path == path);
            var secureParameters = template.Template.GetProperty("parameters").EnumerateObject()
                .Where(parameter => parameter.Value.GetProperty("type").GetString()!.StartsWith("secure", StringComparison.OrdinalIgnoreCase))
                .Select(parameter => $"parameters('{parameter.Name}')");
            Assert.All(secureParameters, parameter => Assert.DoesNotContain(parameter, output.Value.GetRawText(), StringComparison.Ordinal));
            Assert.False(SecretLookingName().IsMatch(output.Name), $"{path}: output {output.Name} is named like a secret");
            var value = output.Value.GetRawText();
            Assert.False(SecretLookingValue().IsMatch(value), $"{path}: output {output.Name} = {value}");
            Assert.DoesNotContain("secure", output.Value.GetProperty("type").GetString()!, StringComparison.OrdinalIgnoreCase);
        });
    }

    [Fact]
    public void Main_outputs_are_upper_snake_case()
    {
        Assert.All(compiled.Main.Outputs(), output => Assert.Matches("^[A-Z][A-Z0-9_]*$", output.Name));
    }

    [Fact]
    public void The_only_key_the_templates_read_is_the_blob_extension_key_for_the_event_grid_webhooks()
    {
        // listKeys anywhere else would put a storage or Service Bus key into a setting or an output.
        // A module's deployment resource carries its nested template, which is looked at on its own.
        var readers = compiled.Templates
            .SelectMany(template => template.Resources().Select(resource => (template, resource)))
            .Where(entry => ListFunction().IsMatch(ArmTemplate.Type(entry.resource) == "Microsoft.Resources/deployments"
                ? entry.resource.GetProperty("properties").GetProperty("parameters").GetRawText()
                : entry.resource.GetRawText()))
            .Select(entry => $"{entry.template.Path}:{ArmTemplate.Type(entry.resource)}")
            .Distinct()
            .ToList();

        Assert.Equal(["main/eventsubscriptions:Microsoft.EventGrid/systemTopics/eventSubscriptions"], readers);
        var subscription = Assert.Single(compiled.Module("eventsubscriptions").Deployed("Microsoft.EventGrid/systemTopics/eventSubscriptions"));
        var endpoint = subscription.GetProperty("properties").GetProperty("destination").GetProperty("properties").GetProperty("endpointUrl").GetString()!;
        Assert.Contains("/runtime/webhooks/blobs?functionName=Host.Functions.", endpoint, StringComparison.Ordinal);
        Assert.Contains("/host/default", endpoint, StringComparison.Ordinal);
        Assert.Contains(".systemKeys.blobs_extension", endpoint, StringComparison.Ordinal);
    }

    [Fact]
    public void App_settings_use_identity_based_connections_and_no_keys()
    {
        var settings = AppSettings();
        var keys = settings.Select(setting => setting.Key).ToList();

        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
        foreach (var required in new[]
                 {
                     "AzureWebJobsStorage__blobServiceUri", "AzureWebJobsStorage__queueServiceUri", "AzureWebJobsStorage__credential",
                     "Storage__blobServiceUri", "Storage__queueServiceUri", "Storage__tableServiceUri", "Storage__credential",
                     "ServiceBus__fullyQualifiedNamespace", "ServiceBus__credential", "APPLICATIONINSIGHTS_CONNECTION_STRING",
                 })
        {
            Assert.Contains(required, keys);
        }

        Assert.All(settings.Where(setting => setting.Key.EndsWith("__credential", StringComparison.Ordinal)),
            setting => Assert.Equal("'managedidentity'", setting.Value));
        Assert.All(settings, setting =>
        {
            Assert.False(KeyMaterial().IsMatch(setting.Value), $"{setting.Key} = {setting.Value}");
            Assert.False(ListFunction().IsMatch(setting.Value), $"{setting.Key} = {setting.Value}");
            Assert.NotEqual("AzureWebJobsStorage", setting.Key);
            Assert.False(setting.Key.EndsWith("__connectionString", StringComparison.OrdinalIgnoreCase), setting.Key);
        });

        // Flex Consumption takes these from functionAppConfig and rejects the app settings.
        Assert.DoesNotContain("FUNCTIONS_WORKER_RUNTIME", keys);
        Assert.DoesNotContain("FUNCTIONS_EXTENSION_VERSION", keys);
        Assert.DoesNotContain("WEBSITE_RUN_FROM_PACKAGE", keys);
        Assert.DoesNotContain("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", keys);
    }

    [Fact]
    public void The_downstream_password_is_a_Key_Vault_reference()
    {
        var reference = Assert.Single(AppSettings(), setting => setting.Value.Contains("@Microsoft.KeyVault(SecretUri=", StringComparison.Ordinal));

        // The setting name comes from the configuration key domains.json names ("a:b" becomes "a__b").
        Assert.Contains("parameters('downstreamCredentialSetting')", reference.Key, StringComparison.Ordinal);
        Assert.Contains("secrets/", compiled.Main.InlineVariables(reference.Value), StringComparison.Ordinal);
    }

    [Fact]
    public void The_Key_Vault_reference_is_set_by_every_deployment_whatever_its_parameters()
    {
        // appsettings replaces every setting: a reference that depended on a parameter would vanish on a deployment
        // that left it out. Here no condition guards it, and the setting's name can never be empty.
        var appSettings = compiled.Module("functionapp").ParameterValue("appSettings").GetString()!;
        Assert.DoesNotContain("if(", appSettings, StringComparison.Ordinal);
        Assert.DoesNotContain("empty(", appSettings, StringComparison.Ordinal);
        var setting = compiled.Main.Template.GetProperty("parameters").GetProperty("downstreamCredentialSetting");
        Assert.Equal(1, setting.GetProperty("minLength").GetInt32());
        Assert.Equal("Downstreams:default:Password", setting.GetProperty("defaultValue").GetString());

        // The platform resolves it with the identity that holds Key Vault Secrets User, not with an identity the app lacks.
        var app = Assert.Single(compiled.Module("functionapp").Deployed("Microsoft.Web/sites")).GetProperty("properties");
        Assert.Equal("[parameters('identityId')]", app.GetProperty("keyVaultReferenceIdentity").GetString());
        Assert.Contains(RoleAssignments(), assignment => assignment is { Principal: AppPrincipal, Role: KeyVaultSecretsUser }
            && assignment.Scope == "[resourceId('Microsoft.KeyVault/vaults', parameters('keyVaultName'))]");
    }

    [Fact]
    public void One_user_assigned_identity_made_before_the_app_is_what_the_app_runs_as()
    {
        var identities = compiled.Templates
            .SelectMany(template => template.Deployed("Microsoft.ManagedIdentity/userAssignedIdentities").Select(_ => template.ModuleName))
            .ToList();
        Assert.Equal(["identity"], identities);

        var module = compiled.Module("functionapp");
        var app = Assert.Single(module.Deployed("Microsoft.Web/sites"));
        var appIdentity = app.GetProperty("identity");
        Assert.Equal("UserAssigned", appIdentity.GetProperty("type").GetString());
        Assert.Equal(["[format('{0}', parameters('identityId'))]"], appIdentity.GetProperty("userAssignedIdentities").EnumerateObject().Select(entry => entry.Name));
        Assert.Equal("[reference('identity').outputs.id.value]", module.ParameterValue("identityId").GetString());
        Assert.Equal("[reference('identity').outputs.clientId.value]", module.ParameterValue("identityClientId").GetString());

        // No template gives anything but the Event Grid topic a system-assigned identity (the topic's writes its dead letters).
        var systemAssigned = compiled.Templates
            .SelectMany(template => template.Resources().Where(resource => !ArmTemplate.IsExisting(resource)).Select(resource => (template, resource)))
            .Where(entry => entry.resource.TryGetProperty("identity", out var block) && block.ValueKind == JsonValueKind.Object
                && block.GetProperty("type").GetString()!.Contains("SystemAssigned", StringComparison.Ordinal))
            .Select(entry => ArmTemplate.Type(entry.resource))
            .ToList();
        Assert.Equal(["Microsoft.EventGrid/systemTopics"], systemAssigned);

        // The roles exist before the app does: its first start, its first publish and its Key Vault reference need them.
        var deployment = module.Deployment!.Value;
        Assert.Contains("rbac", deployment.GetProperty("dependsOn").EnumerateArray().Select(entry => entry.GetString()));
        Assert.Equal("[reference('identity').outputs.principalId.value]", compiled.Module("rbac").ParameterValue("identityPrincipalId").GetString());
    }

    [Fact]
    public void Every_connection_names_the_user_assigned_identity()
    {
        var settings = AppSettings().ToDictionary(setting => setting.Key, setting => setting.Value);
        const string clientId = "reference('identity').outputs.clientId.value";

        // The Functions host's bindings read <connection>__clientId; the SDK clients' DefaultAzureCredential reads AZURE_CLIENT_ID.
        Assert.Equal("parameters('identityClientId')", settings["AzureWebJobsStorage__clientId"]);
        Assert.Equal(clientId, settings["Storage__clientId"]);
        Assert.Equal(clientId, settings["ServiceBus__clientId"]);
        Assert.Equal(clientId, settings["AZURE_CLIENT_ID"]);
        Assert.All(settings.Keys.Where(key => key.EndsWith("__credential", StringComparison.Ordinal)), key =>
            Assert.True(settings.ContainsKey(key.Replace("__credential", "__clientId", StringComparison.Ordinal)), $"{key} without a clientId"));
    }

    [Fact]
    public void The_release_gate_queue_and_the_poison_queues_are_the_only_data_queues_the_identity_may_use()
    {
        var app = RoleAssignments().Where(assignment => assignment.Principal == AppPrincipal).ToList();
        var rbac = compiled.Module("rbac");
        Assert.Equal("release-gate", compiled.Main.Literal(rbac.ParameterValue("releaseGateQueue")));
        Assert.Equal(["webjobs-blobtrigger-poison", "release-gate-poison"], rbac.ParameterValue("poisonQueues").EnumerateArray().Select(compiled.Main.Literal));

        // Publishing creates the gate queue when it is missing (as the local stack needs) and the host creates a missing
        // poison queue before it writes: Contributor, each scoped to its one queue, never to the data account.
        const string gateQueue = "[resourceId('Microsoft.Storage/storageAccounts/queueServices/queues', parameters('dataStorageAccountName'), 'default', parameters('releaseGateQueue'))]";
        Assert.Equal([QueueDataContributor], app.Where(assignment => assignment.Scope == gateQueue).Select(assignment => assignment.Role));
        var dataQueues = app.Where(assignment => assignment.Role == QueueDataContributor && assignment.Scope.Contains("dataStorageAccountName", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, dataQueues.Count);
        Assert.All(dataQueues, assignment => Assert.StartsWith("[resourceId('Microsoft.Storage/storageAccounts/queueServices/queues', parameters('dataStorageAccountName'), 'default', ", assignment.Scope, StringComparison.Ordinal));
        Assert.Contains(dataQueues, assignment => assignment.Scope.Contains("parameters('poisonQueues')", StringComparison.Ordinal));
    }

    [Fact]
    public void The_release_gate_runs_in_its_own_scale_group_and_publishing_stays_off_the_blob_group()
    {
        var alwaysReady = compiled.Module("functionapp").ParameterValue("alwaysReady").GetString()!;

        // Flex Consumption scales a queue trigger alone, as "function:<name>"; the template names that group.
        Assert.Equal(
            "[concat(parameters('alwaysReady'), createArray(createObject('name', format('function:{0}', parameters('releaseGateFunctionName')), 'instanceCount', parameters('releaseGateAlwaysReady'))))]",
            alwaysReady);
        Assert.Equal("RunReleaseGate", compiled.Main.DefaultValue("releaseGateFunctionName").GetString());
        Assert.Equal(0, compiled.Main.DefaultValue("releaseGateAlwaysReady").GetInt32());
        Assert.Equal("[parameters('releaseGateFunctionName')]", compiled.Main.Template.GetProperty("outputs").GetProperty("RELEASE_GATE_FUNCTION_NAME").GetProperty("value").GetString());

        // Nothing keeps a blob-group (scanning) instance for publishing, and delivery's always-ready instance is not there either.
        var defaults = compiled.Main.DefaultValue("alwaysReady").EnumerateArray().Select(entry => entry.GetProperty("name").GetString()).ToList();
        Assert.DoesNotContain("blob", defaults);
        Assert.DoesNotContain(defaults, name => name!.StartsWith("function:", StringComparison.Ordinal));
        using var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Infra, "main.parameters.json")));
        Assert.DoesNotContain("blob", file.RootElement.GetProperty("parameters").GetProperty("alwaysReady").GetProperty("value").EnumerateArray()
            .Select(entry => entry.GetProperty("name").GetString()));
    }

    [Fact]
    public void No_key_material_anywhere_in_the_compiled_deployment()
    {
        Assert.DoesNotMatch(KeyMaterial(), compiled.Build.StandardOutput);
    }

    [Fact]
    public void Storage_accounts_take_Entra_ID_only()
    {
        var accounts = compiled.Templates
            .SelectMany(template => template.Deployed("Microsoft.Storage/storageAccounts").Select(account => (template.Path, account)))
            .ToList();

        Assert.Equal(["main/data-storage", "main/host-storage"], accounts.Select(entry => entry.Path).Order(StringComparer.Ordinal));
        Assert.All(accounts, entry =>
        {
            var properties = entry.account.GetProperty("properties");
            Assert.False(properties.GetProperty("allowSharedKeyAccess").GetBoolean(), entry.Path);
            Assert.False(properties.GetProperty("allowBlobPublicAccess").GetBoolean(), entry.Path);
            Assert.Equal("TLS1_2", properties.GetProperty("minimumTlsVersion").GetString());
            Assert.True(properties.GetProperty("supportsHttpsTrafficOnly").GetBoolean(), entry.Path);
        });
        Assert.All(compiled.Templates.SelectMany(template => template.Deployed("Microsoft.Storage/storageAccounts/blobServices/containers")),
            container => Assert.Equal("None", container.GetProperty("properties").GetProperty("publicAccess").GetString()));
    }

    [Fact]
    public void The_data_account_has_every_container_queue_and_table_the_pipeline_names()
    {
        var data = compiled.Module("data-storage");

        var containers = Literals(data, "containers");
        foreach (var container in new[] { "incoming", "patterns", "quarantine", "corpus", "config", "deadletter" })
        {
            Assert.Contains(container, containers);
        }

        Assert.Equal(["webjobs-blobtrigger-poison", "release-gate", "release-gate-poison"], Literals(data, "queues"));
        Assert.Equal(["scanstats"], Literals(data, "tables"));
    }

    [Fact]
    public void Code_packages_live_in_a_container_of_the_host_account_read_with_the_app_identity()
    {
        var app = Assert.Single(compiled.Module("functionapp").Deployed("Microsoft.Web/sites"));
        var storage = app.GetProperty("properties").GetProperty("functionAppConfig").GetProperty("deployment").GetProperty("storage");
        var deploymentContainer = compiled.Main.Literal(compiled.Module("functionapp").ParameterValue("deploymentContainerName"));

        Assert.Equal("blobContainer", storage.GetProperty("type").GetString());
        Assert.Equal("UserAssignedIdentity", storage.GetProperty("authentication").GetProperty("type").GetString());
        Assert.Equal("[parameters('identityId')]", storage.GetProperty("authentication").GetProperty("userAssignedIdentityResourceId").GetString());
        Assert.Contains("parameters('deploymentContainerName')", storage.GetProperty("value").GetString()!, StringComparison.Ordinal);
        Assert.NotNull(deploymentContainer);
        Assert.Contains(deploymentContainer, Literals(compiled.Module("host-storage"), "containers"));
        Assert.Equal("[variables('hostStorageName')]", compiled.Module("functionapp").ParameterValue("hostStorageAccountName").GetString());
    }

    [Fact]
    public void Retention_rules_expire_corpus_quarantine_and_incoming_mail()
    {
        var data = compiled.Module("data-storage");
        var rules = data.ParameterValue("retentionRules").EnumerateArray()
            .ToDictionary(rule => Evaluate(compiled.Main, rule.GetProperty("prefix").GetString()!)!, rule => rule.GetProperty("days").GetString()!);

        Assert.Equal(["corpus/", "incoming/", "quarantine/"], rules.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("[parameters('corpusRetentionDays')]", rules["corpus/"]);
        Assert.Equal("[parameters('quarantineRetentionDays')]", rules["quarantine/"]);
        Assert.All(new[] { "corpusRetentionDays", "quarantineRetentionDays", "incomingRetentionDays" },
            parameter => Assert.True(compiled.Main.DefaultValue(parameter).GetInt32() >= 1, parameter));

        var policy = Assert.Single(data.Deployed("Microsoft.Storage/storageAccounts/managementPolicies"));
        var copy = Assert.Single(policy.GetProperty("properties").GetProperty("policy").GetProperty("copy").EnumerateArray());
        Assert.Equal("[length(parameters('retentionRules'))]", copy.GetProperty("count").GetString());
        var definition = copy.GetProperty("input").GetProperty("definition");
        Assert.Equal("[parameters('retentionRules')[copyIndex('rules')].prefix]", definition.GetProperty("filters").GetProperty("prefixMatch")[0].GetString());
        Assert.Equal("[parameters('retentionRules')[copyIndex('rules')].days]",
            definition.GetProperty("actions").GetProperty("baseBlob").GetProperty("delete").GetProperty("daysAfterModificationGreaterThan").GetString());
    }

    [Fact]
    public void The_deliver_queue_detects_duplicates_and_dead_letters_what_it_cannot_deliver()
    {
        var serviceBus = compiled.Module("servicebus");
        var queue = Assert.Single(serviceBus.Deployed("Microsoft.ServiceBus/namespaces/queues")).GetProperty("properties");
        var ns = Assert.Single(serviceBus.Deployed("Microsoft.ServiceBus/namespaces")).GetProperty("properties");

        Assert.Equal("deliver", compiled.Main.Literal(serviceBus.ParameterValue("queueName")));
        Assert.True(queue.GetProperty("requiresDuplicateDetection").GetBoolean());
        Assert.Equal("[parameters('duplicateDetectionWindow')]", queue.GetProperty("duplicateDetectionHistoryTimeWindow").GetString());
        Assert.Equal("[parameters('duplicateDetectionWindow')]", serviceBus.ParameterValue("duplicateDetectionWindow").GetString());
        var window = XmlConvert.ToTimeSpan(compiled.Main.DefaultValue("duplicateDetectionWindow").GetString()!);
        Assert.InRange(window, TimeSpan.FromMinutes(1), TimeSpan.FromDays(7));

        Assert.Equal("[parameters('maxDeliveryCount')]", queue.GetProperty("maxDeliveryCount").GetString());
        Assert.InRange(compiled.Main.DefaultValue("maxDeliveryCount").GetInt32(), 1, 2000);
        Assert.True(queue.GetProperty("deadLetteringOnMessageExpiration").GetBoolean());
        Assert.Equal("PT5M", queue.GetProperty("lockDuration").GetString());
        Assert.False(queue.GetProperty("requiresSession").GetBoolean());
        Assert.True(ns.GetProperty("disableLocalAuth").GetBoolean());

        // Basic has no duplicate detection; the template must not offer it.
        var tiers = compiled.Main.Template.GetProperty("parameters").GetProperty("serviceBusSku").GetProperty("allowedValues")
            .EnumerateArray().Select(tier => tier.GetString()).ToList();
        Assert.DoesNotContain("Basic", tiers);
    }

    [Fact]
    public void Event_Grid_sends_BlobCreated_under_incoming_and_pattern_uploads_to_the_blob_extension()
    {
        var module = compiled.Module("eventsubscriptions");
        var subscription = Assert.Single(module.Deployed("Microsoft.EventGrid/systemTopics/eventSubscriptions")).GetProperty("properties");
        var filter = subscription.GetProperty("filter");

        Assert.Equal(["Microsoft.Storage.BlobCreated"], filter.GetProperty("includedEventTypes").EnumerateArray().Select(type => type.GetString()));
        Assert.Equal("[variables('subscriptions')[copyIndex()].subjectBeginsWith]", filter.GetProperty("subjectBeginsWith").GetString());
        var routes = module.Variable("subscriptions")!.Value.EnumerateArray()
            .ToDictionary(route => route.GetProperty("subjectBeginsWith").GetString()!, route => route.GetProperty("functionName").GetString()!);
        Assert.Equal(2, routes.Count);
        var mail = Assert.Single(routes, route => route.Key.StartsWith("/blobServices/default/containers/incoming/", StringComparison.Ordinal));
        var uploads = Assert.Single(routes, route => route.Key.StartsWith("/blobServices/default/containers/patterns/blobs/uploads/", StringComparison.Ordinal));
        Assert.Equal("ScanMail", FunctionName(module, mail.Value));
        Assert.Equal("PublishUploadedPatternSet", FunctionName(module, uploads.Value));

        // Only mail blobs wake ScanMail (their companion envelope blobs do not); uploads of any name are published.
        Assert.Equal("[variables('subscriptions')[copyIndex()].subjectEndsWith]", filter.GetProperty("subjectEndsWith").GetString());
        var endings = module.Variable("subscriptions")!.Value.EnumerateArray()
            .ToDictionary(route => route.GetProperty("subjectBeginsWith").GetString()!, route => route.GetProperty("subjectEndsWith").GetString()!);
        Assert.Equal(".eml", endings[mail.Key]);
        Assert.Equal("", endings[uploads.Key]);

        Assert.Equal("WebHook", subscription.GetProperty("destination").GetProperty("endpointType").GetString());
        var retry = subscription.GetProperty("retryPolicy");
        Assert.Equal("[parameters('maxDeliveryAttempts')]", retry.GetProperty("maxDeliveryAttempts").GetString());
        Assert.Equal("[parameters('eventTimeToLiveInMinutes')]", retry.GetProperty("eventTimeToLiveInMinutes").GetString());

        var deadLetter = subscription.GetProperty("deadLetterWithResourceIdentity");
        Assert.Equal("SystemAssigned", deadLetter.GetProperty("identity").GetProperty("type").GetString());
        var destination = deadLetter.GetProperty("deadLetterDestination");
        Assert.Equal("StorageBlob", destination.GetProperty("endpointType").GetString());
        Assert.Equal("deadletter", compiled.Main.Literal(module.ParameterValue("deadLetterContainerName")));
    }

    [Fact]
    public void Event_subscriptions_wait_for_the_second_step_and_the_topic_watches_the_data_account()
    {
        var deployment = compiled.Module("eventsubscriptions").Deployment!.Value;
        Assert.Equal("[parameters('deployEventSubscriptions')]", deployment.GetProperty("condition").GetString());
        Assert.False(compiled.Main.DefaultValue("deployEventSubscriptions").GetBoolean());
        Assert.Contains("rbac", deployment.GetProperty("dependsOn").EnumerateArray().Select(entry => entry.GetString()));

        var topic = Assert.Single(compiled.Module("eventgrid").Deployed("Microsoft.EventGrid/systemTopics"));
        Assert.Equal("SystemAssigned", topic.GetProperty("identity").GetProperty("type").GetString());
        Assert.Equal("Microsoft.Storage.StorageAccounts", topic.GetProperty("properties").GetProperty("topicType").GetString());
        Assert.Equal("[variables('dataStorageName')]", compiled.Module("eventgrid").ParameterValue("storageAccountName").GetString());
    }

    [Fact]
    public void The_app_runs_on_Flex_Consumption_with_dotnet_isolated_10()
    {
        var module = compiled.Module("functionapp");
        var plan = Assert.Single(module.Deployed("Microsoft.Web/serverfarms"));
        var app = Assert.Single(module.Deployed("Microsoft.Web/sites"));
        var config = app.GetProperty("properties").GetProperty("functionAppConfig");

        Assert.Equal("FC1", plan.GetProperty("sku").GetProperty("name").GetString());
        Assert.Equal("FlexConsumption", plan.GetProperty("sku").GetProperty("tier").GetString());
        Assert.True(plan.GetProperty("properties").GetProperty("reserved").GetBoolean());
        Assert.Equal("functionapp,linux", app.GetProperty("kind").GetString());
        Assert.True(app.GetProperty("properties").GetProperty("httpsOnly").GetBoolean());
        Assert.Equal("dotnet-isolated", config.GetProperty("runtime").GetProperty("name").GetString());
        Assert.Equal("10.0", config.GetProperty("runtime").GetProperty("version").GetString());

        // Delivery runs as a hosted service, so at least one instance must always be up.
        Assert.Equal("[parameters('alwaysReady')]", config.GetProperty("scaleAndConcurrency").GetProperty("alwaysReady").GetString());
        var alwaysReady = compiled.Main.DefaultValue("alwaysReady").EnumerateArray().ToList();
        Assert.Contains(alwaysReady, setting => setting.GetProperty("instanceCount").GetInt32() >= 1);
    }

    [Fact]
    public void Role_assignments_name_the_principal_type_and_use_stable_names()
    {
        var assignments = RoleAssignments();

        Assert.NotEmpty(assignments);
        Assert.All(assignments, assignment =>
        {
            var principalType = assignment.Properties.GetProperty("principalType").GetString();
            Assert.Equal(assignment.Principal == OperatorPrincipal ? "[parameters('operatorPrincipalType')]" : "ServicePrincipal", principalType);
            Assert.StartsWith("[guid(", assignment.Name, StringComparison.Ordinal);
            Assert.Contains(assignment.Principal.Trim('[', ']'), assignment.Name, StringComparison.Ordinal);
            Assert.Contains(assignment.Role, assignment.Name, StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(assignment.Scope), $"{assignment.Role} has no scope: it would land on the whole resource group");
        });
        Assert.All(compiled.Templates.Where(template => template.ModuleName != "rbac"),
            template => Assert.Empty(template.Deployed("Microsoft.Authorization/roleAssignments")));
    }

    [Fact]
    public void The_app_identity_gets_exactly_the_roles_the_pipeline_needs()
    {
        var roles = RoleAssignments().Where(assignment => assignment.Principal == AppPrincipal).Select(assignment => assignment.Role).ToHashSet();

        Assert.Equal(
            new[]
            {
                BlobDataOwner, BlobDataContributor, QueueDataContributor, TableDataContributor,
                ServiceBusDataSender, ServiceBusDataReceiver, KeyVaultSecretsUser, MonitoringMetricsPublisher, AcrPull,
            }.Order(StringComparer.Ordinal),
            roles.Order(StringComparer.Ordinal));
        Assert.Equal([BlobDataContributor], RoleAssignments().Where(assignment => assignment.Principal == EventGridPrincipal).Select(assignment => assignment.Role));

        // The operator uploads to patterns/ and config/ and imports the SMTP edge's certificate, nothing more.
        var operatorRoles = RoleAssignments().Where(assignment => assignment.Principal == OperatorPrincipal).ToList();
        Assert.Equal([KeyVaultCertificatesOfficer, BlobDataContributor], operatorRoles.Select(assignment => assignment.Role).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal("[resourceId('Microsoft.KeyVault/vaults', parameters('keyVaultName'))]",
            Assert.Single(operatorRoles, assignment => assignment.Role == KeyVaultCertificatesOfficer).Scope);
    }

    [Fact]
    public void Data_roles_are_scoped_to_the_container_queue_or_table_they_serve()
    {
        var app = RoleAssignments().Where(assignment => assignment.Principal == AppPrincipal).ToList();
        const string dataAccount = "parameters('dataStorageAccountName')";
        const string hostAccount = "[resourceId('Microsoft.Storage/storageAccounts', parameters('hostStorageAccountName'))]";

        // Owner: the host account (Functions runtime) and the containers a blob trigger reads, nothing else.
        var owner = app.Where(assignment => assignment.Role == BlobDataOwner).Select(assignment => assignment.Scope).ToList();
        Assert.Equal(2, owner.Count);
        Assert.Contains(hostAccount, owner);
        Assert.Contains(owner, scope => scope.StartsWith("[resourceId('Microsoft.Storage/storageAccounts/blobServices/containers', " + dataAccount, StringComparison.Ordinal)
            && scope.Contains("parameters('triggerContainers')", StringComparison.Ordinal));
        Assert.Equal(["incoming", "patterns"], compiled.Module("rbac").ParameterValue("triggerContainers").EnumerateArray().Select(compiled.Main.Literal));

        Assert.All(app.Where(assignment => assignment.Scope.Contains(dataAccount, StringComparison.Ordinal)), assignment =>
            Assert.Matches(@"^\[resourceId\('Microsoft\.Storage/storageAccounts/(blobServices/containers|queueServices/queues|tableServices/tables)'", assignment.Scope));
        Assert.All(app.Where(assignment => assignment.Role is ServiceBusDataSender or ServiceBusDataReceiver), assignment =>
            Assert.StartsWith("[resourceId('Microsoft.ServiceBus/namespaces/queues', ", assignment.Scope, StringComparison.Ordinal));
        Assert.StartsWith("[resourceId('Microsoft.Storage/storageAccounts/tableServices/tables', " + dataAccount,
            Assert.Single(app, assignment => assignment.Role == TableDataContributor).Scope, StringComparison.Ordinal);
        Assert.Equal("deliver", compiled.Main.Literal(compiled.Module("rbac").ParameterValue("serviceBusQueueName")));
    }

    [Fact]
    public void Key_Vault_uses_RBAC_and_holds_the_password_from_a_secure_parameter()
    {
        var module = compiled.Module("keyvault");
        var vault = Assert.Single(module.Deployed("Microsoft.KeyVault/vaults"));
        var secret = Assert.Single(module.Deployed("Microsoft.KeyVault/vaults/secrets"));

        Assert.True(vault.GetProperty("properties").GetProperty("enableRbacAuthorization").GetBoolean());
        Assert.Equal("[parameters('downstreamPassword')]", secret.GetProperty("properties").GetProperty("value").GetString());
        Assert.Equal("securestring", module.Template.GetProperty("parameters").GetProperty("downstreamPassword").GetProperty("type").GetString());
        Assert.Equal("securestring", compiled.Main.Template.GetProperty("parameters").GetProperty("downstreamPassword").GetProperty("type").GetString());
    }

    [Fact]
    public void Telemetry_goes_to_workspace_based_Application_Insights_with_Entra_ID_ingestion()
    {
        var component = Assert.Single(compiled.Module("monitoring").Deployed("Microsoft.Insights/components")).GetProperty("properties");

        Assert.True(component.GetProperty("DisableLocalAuth").GetBoolean());
        Assert.StartsWith("[resourceId('Microsoft.OperationalInsights/workspaces'", component.GetProperty("WorkspaceResourceId").GetString(), StringComparison.Ordinal);
        var authentication = Assert.Single(AppSettings(), setting => setting.Key == "APPLICATIONINSIGHTS_AUTHENTICATION_STRING").Value;
        Assert.Equal("format('ClientId={0};Authorization=AAD', parameters('identityClientId'))", authentication);
    }

    [Fact]
    public void The_parameters_file_names_only_parameters_of_main_with_allowed_values_and_no_secret()
    {
        using var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Infra, "main.parameters.json")));
        var declared = compiled.Main.Template.GetProperty("parameters");

        foreach (var parameter in file.RootElement.GetProperty("parameters").EnumerateObject())
        {
            Assert.True(declared.TryGetProperty(parameter.Name, out var declaration), $"main.bicep has no parameter {parameter.Name}");
            Assert.DoesNotContain("secure", declaration.GetProperty("type").GetString()!, StringComparison.OrdinalIgnoreCase);
            var value = parameter.Value.GetProperty("value");
            if (declaration.TryGetProperty("allowedValues", out var allowed))
            {
                Assert.Contains(value.GetRawText(), allowed.EnumerateArray().Select(entry => entry.GetRawText()));
            }

            if (declaration.TryGetProperty("minValue", out var min))
            {
                Assert.True(value.GetInt32() >= min.GetInt32(), $"{parameter.Name} = {value} is below {min}");
            }

            if (declaration.TryGetProperty("maxValue", out var max))
            {
                Assert.True(value.GetInt32() <= max.GetInt32(), $"{parameter.Name} = {value} is above {max}");
            }
        }
    }

    private IReadOnlyList<KeyValuePair<string, string>> AppSettings()
    {
        var module = compiled.Module("functionapp");
        var settings = Assert.Single(module.Deployed("Microsoft.Web/sites/config"));
        Assert.Equal("[format('{0}/{1}', parameters('name'), 'appsettings')]", settings.GetProperty("name").GetString());
        var hostSettings = settings.GetProperty("properties").GetString()!;
        Assert.StartsWith("[union(parameters('appSettings'), ", hostSettings, StringComparison.Ordinal);

        return [.. ArmTemplate.CreateObjectPairs(module.ParameterValue("appSettings").GetString()!), .. ArmTemplate.CreateObjectPairs(hostSettings)];
    }

    private sealed record Assignment(string Name, string Scope, string Principal, string Role, JsonElement Properties);

    private List<Assignment> RoleAssignments()
    {
        var rbac = compiled.Module("rbac");
        return rbac.Deployed("Microsoft.Authorization/roleAssignments").Select(resource =>
        {
            var properties = resource.GetProperty("properties");
            var roleDefinition = rbac.InlineVariables(properties.GetProperty("roleDefinitionId").GetString()!);
            var role = RoleGuid().Match(roleDefinition);
            Assert.True(role.Success, $"no role definition id in {roleDefinition}");
            return new Assignment(
                rbac.InlineVariables(resource.GetProperty("name").GetString()!),
                resource.TryGetProperty("scope", out var scope) ? scope.GetString()! : "",
                properties.GetProperty("principalId").GetString()!,
                role.Value,
                properties);
        }).ToList();
    }

    /// <summary>Literal values of an array parameter the main template passes to a module.</summary>
    private List<string> Literals(ArmTemplate module, string parameter) =>
        module.ParameterValue(parameter).EnumerateArray()
            .Select(value => compiled.Main.Literal(value) ?? throw new Xunit.Sdk.XunitException($"{module.Path}.{parameter}: {value} is not a literal"))
            .ToList();

    /// <summary>The function name a module receives, when the value is its parameter and main passes main's default.</summary>
    private string FunctionName(ArmTemplate module, string value)
    {
        var parameter = Regex.Match(value, @"^\[parameters\('(?<name>[^']+)'\)\]$").Groups["name"].Value;
        Assert.Equal($"[parameters('{parameter}')]", module.ParameterValue(parameter).GetString());
        return compiled.Main.DefaultValue(parameter).GetString()!;
    }

    /// <summary>Evaluates <c>[format('...', 'literal', ...)]</c> once variables are inlined; plain strings as they are.</summary>
    private static string? Evaluate(ArmTemplate template, string value)
    {
        if (!ArmTemplate.IsExpression(value))
        {
            return value;
        }

        var inlined = template.InlineVariables(value);
        if (!inlined.StartsWith("[format(", StringComparison.Ordinal))
        {
            return null;
        }

        var arguments = ArmTemplate.Arguments(inlined, "format").Select(ArmTemplate.Unquote).ToList();
        return string.Format(System.Globalization.CultureInfo.InvariantCulture, arguments[0], [.. arguments.Skip(1)]);
    }

    [GeneratedRegex(@"(?i)(password|secret|connection_?string|\bsas\b|token|credential|key(?!_?vault))")]
    private static partial Regex SecretLookingName();

    [GeneratedRegex(@"(?i)(\blist[a-z]*\(|connectionstring|primarykey|secondarykey|accountkey|sharedaccess)")]
    private static partial Regex SecretLookingValue();

    [GeneratedRegex(@"\blist[A-Za-z]*\(")]
    private static partial Regex ListFunction();

    [GeneratedRegex(@"(?i)(AccountKey=|SharedAccessKey=|SharedAccessSignature=|[?&]sig=)")]
    private static partial Regex KeyMaterial();

    [GeneratedRegex(@"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex RoleGuid();
}
