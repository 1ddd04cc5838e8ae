using System.Text.Json;

namespace Prefilter.Infra.Tests;

/// <summary>
/// The SMTP edge on the compiled ARM JSON: `prefilter ingress` as a container app with TCP ingress on port 25 in a
/// VNet environment, always running, scaling on connections, configured like the function app, with its image and
/// STARTTLS certificate read with the user-assigned identity.
/// </summary>
[Collection(CompiledDeploymentCollection.Name)]
public sealed class EdgeTemplateTests(CompiledDeployment compiled)
{
    private ArmTemplate Edge => compiled.Module("edge");

    private JsonElement App => Assert.Single(Edge.Deployed("Microsoft.App/containerApps"));

    private JsonElement Container => Assert.Single(App.GetProperty("properties").GetProperty("template").GetProperty("containers").EnumerateArray());

    [Fact]
    public void Takes_SMTP_on_port_25_from_the_internet_over_TCP_and_listens_on_the_same_port()
    {
        var ingress = App.GetProperty("properties").GetProperty("configuration").GetProperty("ingress");

        Assert.True(ingress.GetProperty("external").GetBoolean());
        Assert.Equal("tcp", ingress.GetProperty("transport").GetString());
        Assert.Equal("[variables('smtpPort')]", ingress.GetProperty("targetPort").GetString());
        Assert.Equal("[variables('smtpPort')]", ingress.GetProperty("exposedPort").GetString());
        Assert.Equal(25, Edge.Variable("smtpPort")!.Value.GetInt32());

        // What `prefilter ingress` binds to (SmtpIngressOptions) is the port the ingress forwards to, on every interface.
        var settings = Edge.Variable("ingressSettings")!.Value.GetString()!;
        Assert.Contains("'SmtpIngress__Port', string(variables('smtpPort'))", settings, StringComparison.Ordinal);
        Assert.Contains("'SmtpIngress__ListenAddress', '0.0.0.0'", settings, StringComparison.Ordinal);
    }

    [Fact]
    public void Runs_in_a_VNet_environment_whose_outbound_traffic_follows_the_subnet()
    {
        var environment = Assert.Single(Edge.Deployed("Microsoft.App/managedEnvironments")).GetProperty("properties");

        Assert.Equal("[parameters('subnetId')]", environment.GetProperty("vnetConfiguration").GetProperty("infrastructureSubnetId").GetString());
        Assert.False(environment.GetProperty("vnetConfiguration").GetProperty("internal").GetBoolean());
        Assert.Equal("Consumption", Assert.Single(environment.GetProperty("workloadProfiles").EnumerateArray()).GetProperty("workloadProfileType").GetString());
        Assert.Equal("[resourceId('Microsoft.App/managedEnvironments', parameters('environmentName'))]", App.GetProperty("properties").GetProperty("managedEnvironmentId").GetString());
        Assert.Equal("[reference('network').outputs.edgeSubnetId.value]", Edge.ParameterValue("subnetId").GetString());
    }

    [Fact]
    public void Always_runs_at_least_one_replica_and_scales_on_open_connections()
    {
        var scale = App.GetProperty("properties").GetProperty("template").GetProperty("scale");

        Assert.Equal("[parameters('minReplicas')]", scale.GetProperty("minReplicas").GetString());
        Assert.Equal(1, Edge.Template.GetProperty("parameters").GetProperty("minReplicas").GetProperty("minValue").GetInt32());
        Assert.Equal(1, compiled.Main.Template.GetProperty("parameters").GetProperty("ingressMinReplicas").GetProperty("minValue").GetInt32());
        Assert.True(compiled.Main.DefaultValue("ingressMinReplicas").GetInt32() >= 1);
        var rule = Assert.Single(scale.GetProperty("rules").EnumerateArray());
        Assert.Equal("[string(parameters('connectionsPerReplica'))]", rule.GetProperty("tcp").GetProperty("metadata").GetProperty("concurrentConnections").GetString());
    }

    [Fact]
    public void Runs_as_the_user_assigned_identity_which_pulls_the_image_and_reads_the_certificate()
    {
        var identity = App.GetProperty("identity");
        Assert.Equal("UserAssigned", identity.GetProperty("type").GetString());
        Assert.Equal(["[format('{0}', parameters('identityId'))]"], identity.GetProperty("userAssignedIdentities").EnumerateObject().Select(entry => entry.Name));
        Assert.Equal("[reference('identity').outputs.id.value]", Edge.ParameterValue("identityId").GetString());

        var configuration = App.GetProperty("properties").GetProperty("configuration");
        var registry = Assert.Single(configuration.GetProperty("registries").EnumerateArray());
        Assert.Equal("[parameters('identityId')]", registry.GetProperty("identity").GetString());
        Assert.False(registry.TryGetProperty("passwordSecretRef", out _));
        var acr = Assert.Single(compiled.Module("registry").Deployed("Microsoft.ContainerRegistry/registries")).GetProperty("properties");
        Assert.False(acr.GetProperty("adminUserEnabled").GetBoolean());

        // The certificate: an ACA secret that names the Key Vault secret and the identity, never a value.
        Assert.Equal(
            "[if(empty(parameters('certificateSecretUri')), createArray(), createArray(createObject('name', variables('certificateSecretName'), 'keyVaultUrl', parameters('certificateSecretUri'), 'identity', parameters('identityId'))))]",
            configuration.GetProperty("secrets").GetString());
        var uri = Edge.Deployment!.Value.GetProperty("properties").GetProperty("parameters").GetProperty("certificateSecretUri").GetString()!;
        Assert.Contains("format('{0}secrets/{1}', reference('keyVault').outputs.vaultUri.value, parameters('smtpCertificateName'))", uri, StringComparison.Ordinal);

        // The edge starts only once its identity may pull (AcrPull) and read Key Vault.
        Assert.Contains("rbac", Edge.Deployment!.Value.GetProperty("dependsOn").EnumerateArray().Select(entry => entry.GetString()));
        Assert.Equal("[if(parameters('vnetEnabled'), createObject('value', variables('registryName')), createObject('value', ''))]",
            compiled.Module("rbac").Deployment!.Value.GetProperty("properties").GetProperty("parameters").GetProperty("containerRegistryName").GetString());
    }

    [Fact]
    public void The_certificate_secret_is_mounted_as_the_file_the_ingress_reads()
    {
        var template = App.GetProperty("properties").GetProperty("template");

        Assert.Equal(
            "[if(empty(parameters('certificateSecretUri')), createArray(), createArray(createObject('name', 'certificates', 'storageType', 'Secret', 'secrets', createArray(createObject('secretRef', variables('certificateSecretName'), 'path', variables('certificateSecretName'))))))]",
            template.GetProperty("volumes").GetString());
        Assert.Equal(
            "[if(empty(parameters('certificateSecretUri')), createArray(), createArray(createObject('volumeName', 'certificates', 'mountPath', variables('certificateDirectory'))))]",
            Container.GetProperty("volumeMounts").GetString());
        Assert.Equal(
            "[if(empty(parameters('certificateSecretUri')), createObject(), createObject('SmtpIngress__CertificatePath', format('{0}/{1}', variables('certificateDirectory'), variables('certificateSecretName'))))]",
            Edge.Variable("certificateSettings")!.Value.GetString());
    }

    [Fact]
    public void Is_configured_with_the_function_app_s_setting_names_for_storage_and_the_identity()
    {
        // Both get the same variable: the app's value of each name is the edge's (an expression inside the app's union).
        var settings = Edge.ParameterValue("settings").EnumerateObject()
            .ToDictionary(setting => setting.Name, setting => setting.Value.GetString()!);
        var appSettings = ArmTemplate.CreateObjectPairs(compiled.Module("functionapp").ParameterValue("appSettings").GetString()!).ToDictionary(pair => pair.Key, pair => pair.Value);

        Assert.Equal(
            ["AZURE_CLIENT_ID", "Storage__blobServiceUri", "Storage__clientId", "Storage__credential", "Storage__queueServiceUri", "Storage__tableServiceUri"],
            settings.Keys.Order(StringComparer.Ordinal));
        Assert.All(settings, setting => Assert.Equal(appSettings[setting.Key], ArmTemplate.IsExpression(setting.Value) ? setting.Value[1..^1] : $"'{setting.Value}'"));
        Assert.Equal("[concat(variables('environmentVariables'), createArray(createObject('name', 'SmtpIngress__ServerName', 'value', if(empty(parameters('serverName')), format('{0}.{1}', parameters('name'), reference(resourceId('Microsoft.App/managedEnvironments', parameters('environmentName')), '2025-01-01').defaultDomain), parameters('serverName')))))]",
            Container.GetProperty("env").GetString());
    }

    [Fact]
    public void Outputs_name_the_MX_target_and_the_registry_azd_pushes_to()
    {
        var outputs = compiled.Main.Template.GetProperty("outputs");

        Assert.Equal("[if(parameters('vnetEnabled'), reference('edge').outputs.ipAddress.value, '')]", outputs.GetProperty("SMTP_EDGE_IP_ADDRESS").GetProperty("value").GetString());
        var ipAddress = Edge.Template.GetProperty("outputs").GetProperty("ipAddress").GetProperty("value").GetString()!;
        Assert.StartsWith("[reference(resourceId('Microsoft.App/managedEnvironments', parameters('environmentName'))", ipAddress, StringComparison.Ordinal);
        Assert.EndsWith(".staticIp]", ipAddress, StringComparison.Ordinal);
        Assert.Equal("[if(parameters('vnetEnabled'), reference('registry').outputs.loginServer.value, '')]",
            outputs.GetProperty("AZURE_CONTAINER_REGISTRY_ENDPOINT").GetProperty("value").GetString());
    }
}
