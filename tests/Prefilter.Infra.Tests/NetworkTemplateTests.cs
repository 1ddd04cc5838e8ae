using System.Text.Json;

namespace Prefilter.Infra.Tests;

/// <summary>
/// vnetEnabled on the compiled ARM JSON: the subnets, the NAT gateway whose address downstreams allow-list, the
/// private endpoints of storage and Service Bus, and what stays reachable from the internet.
/// </summary>
[Collection(CompiledDeploymentCollection.Name)]
public sealed class NetworkTemplateTests(CompiledDeployment compiled)
{
    private ArmTemplate Network => compiled.Module("network");

    [Fact]
    public void The_network_is_on_by_default_and_only_with_vnetEnabled()
    {
        Assert.True(compiled.Main.DefaultValue("vnetEnabled").GetBoolean());
        foreach (var module in new[] { "network", "registry", "edge" })
        {
            Assert.Equal("[parameters('vnetEnabled')]", compiled.Module(module).Deployment!.Value.GetProperty("condition").GetString());
        }
    }

    [Fact]
    public void The_app_and_edge_subnets_leave_through_one_NAT_gateway_with_a_static_IP_given_as_an_output()
    {
        var ip = Assert.Single(Network.Deployed("Microsoft.Network/publicIPAddresses"));
        Assert.Equal("Static", ip.GetProperty("properties").GetProperty("publicIPAllocationMethod").GetString());
        Assert.Equal("Standard", ip.GetProperty("sku").GetProperty("name").GetString());
        var nat = Assert.Single(Network.Deployed("Microsoft.Network/natGateways"));
        Assert.Equal(
            ["[resourceId('Microsoft.Network/publicIPAddresses', parameters('publicIpName'))]"],
            nat.GetProperty("properties").GetProperty("publicIpAddresses").EnumerateArray().Select(entry => entry.GetProperty("id").GetString()));

        var subnets = Subnets();
        const string natId = "[resourceId('Microsoft.Network/natGateways', parameters('natGatewayName'))]";
        Assert.Equal(natId, subnets["app"].GetProperty("natGateway").GetProperty("id").GetString());
        Assert.Equal(natId, subnets["edge"].GetProperty("natGateway").GetProperty("id").GetString());
        Assert.False(subnets["endpoints"].TryGetProperty("natGateway", out _));

        Assert.Equal("[reference('publicIp').ipAddress]",
            Network.Template.GetProperty("outputs").GetProperty("outboundIpAddress").GetProperty("value").GetString());
        Assert.Equal("[if(parameters('vnetEnabled'), reference('network').outputs.outboundIpAddress.value, '')]",
            compiled.Main.Template.GetProperty("outputs").GetProperty("OUTBOUND_IP_ADDRESS").GetProperty("value").GetString());
    }

    [Fact]
    public void The_app_and_the_edge_have_subnets_of_their_own_delegated_to_Microsoft_App_environments()
    {
        var subnets = Subnets();
        Assert.Equal(["app", "edge", "endpoints"], subnets.Keys.Order(StringComparer.Ordinal));
        foreach (var name in new[] { "app", "edge" })
        {
            Assert.Equal("[variables('delegatedToContainerApps')]", subnets[name].GetProperty("delegations").GetString());
        }

        Assert.Equal(["Microsoft.App/environments"], Network.Variable("delegatedToContainerApps")!.Value.EnumerateArray()
            .Select(delegation => delegation.GetProperty("properties").GetProperty("serviceName").GetString()));
        Assert.False(subnets["endpoints"].TryGetProperty("delegations", out _));

        // Without vnetEnabled the app gets no subnet (Bicep wraps a conditional parameter value whole).
        Assert.Equal("[if(parameters('vnetEnabled'), createObject('value', reference('network').outputs.appSubnetId.value), createObject('value', ''))]",
            compiled.Module("functionapp").Deployment!.Value.GetProperty("properties").GetProperty("parameters").GetProperty("subnetId").GetString());
        Assert.Equal("[reference('network').outputs.edgeSubnetId.value]", compiled.Module("edge").ParameterValue("subnetId").GetString());

        // All the app's traffic, SMTP to downstreams included, goes out through the subnet (and so the NAT gateway).
        var app = Assert.Single(compiled.Module("functionapp").Deployed("Microsoft.Web/sites")).GetProperty("properties");
        Assert.Equal("[if(empty(parameters('subnetId')), null(), createObject('allTraffic', true()))]",
            app.GetProperty("outboundVnetRouting").GetString());
        Assert.Equal("[if(empty(parameters('subnetId')), null(), parameters('subnetId'))]", app.GetProperty("virtualNetworkSubnetId").GetString());
    }

    [Fact]
    public void Storage_and_Service_Bus_have_private_endpoints_resolved_by_private_DNS_zones_linked_to_the_VNet()
    {
        var names = compiled.Main.Variable("privateEndpoints")!.Value.EnumerateArray()
            .Select(endpoint => $"{endpoint.GetProperty("resourceName").GetString()}:{endpoint.GetProperty("groupId").GetString()}")
            .Order(StringComparer.Ordinal);
        Assert.Equal(
            [
                "[variables('dataStorageName')]:blob", "[variables('dataStorageName')]:queue", "[variables('dataStorageName')]:table",
                "[variables('hostStorageName')]:blob", "[variables('hostStorageName')]:queue", "[variables('serviceBusName')]:namespace",
            ],
            names);
        Assert.Equal("[variables('privateEndpoints')]", Network.ParameterValue("privateEndpoints").GetString());

        var endpoint = Assert.Single(Network.Deployed("Microsoft.Network/privateEndpoints")).GetProperty("properties");
        Assert.Equal("[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('name'), 'endpoints')]", endpoint.GetProperty("subnet").GetProperty("id").GetString());
        var connection = Assert.Single(endpoint.GetProperty("privateLinkServiceConnections").EnumerateArray()).GetProperty("properties");
        Assert.Equal("[resourceId(parameters('privateEndpoints')[copyIndex()].resourceType, parameters('privateEndpoints')[copyIndex()].resourceName)]",
            connection.GetProperty("privateLinkServiceId").GetString());

        // One zone per sub-resource, each linked to the VNet, and every endpoint registers in the zone of its group.
        var zones = Network.Variable("zoneNames")!.Value.EnumerateObject().ToDictionary(zone => zone.Name, zone => zone.Value.GetString()!);
        Assert.Equal(["blob", "namespace", "queue", "table"], zones.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("privatelink.servicebus.windows.net", zones["namespace"]);
        Assert.Equal("[format('privatelink.blob.{0}', environment().suffixes.storage)]", zones["blob"]);
        var link = Assert.Single(Network.Deployed("Microsoft.Network/privateDnsZones/virtualNetworkLinks")).GetProperty("properties");
        Assert.Equal("[resourceId('Microsoft.Network/virtualNetworks', parameters('name'))]", link.GetProperty("virtualNetwork").GetProperty("id").GetString());
        var group = Assert.Single(Network.Deployed("Microsoft.Network/privateEndpoints/privateDnsZoneGroups")).GetProperty("properties");
        Assert.Equal("[resourceId('Microsoft.Network/privateDnsZones', variables('zoneNames')[parameters('privateEndpoints')[copyIndex()].groupId])]",
            Assert.Single(group.GetProperty("privateDnsZoneConfigs").EnumerateArray()).GetProperty("properties").GetProperty("privateDnsZoneId").GetString());
    }

    [Fact]
    public void Service_Bus_is_Premium_and_private_with_vnetEnabled()
    {
        // Only Premium takes a private endpoint: the tier follows vnetEnabled, whatever serviceBusSku says.
        Assert.Equal("[if(parameters('vnetEnabled'), 'Premium', parameters('serviceBusSku'))]", compiled.Main.Variable("serviceBusTier")!.Value.GetString());
        var serviceBus = compiled.Module("servicebus");
        Assert.Equal("[variables('serviceBusTier')]", serviceBus.ParameterValue("skuName").GetString());
        Assert.Equal("[not(parameters('vnetEnabled'))]", serviceBus.ParameterValue("publicNetworkAccess").GetString());
        var ns = Assert.Single(serviceBus.Deployed("Microsoft.ServiceBus/namespaces"));
        Assert.Equal("[if(parameters('publicNetworkAccess'), 'Enabled', 'Disabled')]", ns.GetProperty("properties").GetProperty("publicNetworkAccess").GetString());
    }

    [Fact]
    public void The_host_account_is_private_and_the_data_account_admits_only_operators_and_trusted_services()
    {
        var host = compiled.Module("host-storage");
        var data = compiled.Module("data-storage");
        Assert.Equal("[parameters('vnetEnabled')]", host.ParameterValue("networkRestricted").GetString());
        Assert.Equal("[parameters('vnetEnabled')]", data.ParameterValue("networkRestricted").GetString());
        Assert.Equal("[parameters('operatorIpRanges')]", data.ParameterValue("allowedIpRanges").GetString());
        Assert.Equal(0, compiled.Main.DefaultValue("operatorIpRanges").GetArrayLength());
        Assert.Throws<KeyNotFoundException>(() => host.ParameterValue("allowedIpRanges"));

        // The host account's public endpoint is off; the data account's stays on for the exceptions below.
        Assert.Equal("[not(parameters('vnetEnabled'))]", host.ParameterValue("publicNetworkAccess").GetString());
        Assert.Throws<KeyNotFoundException>(() => data.ParameterValue("publicNetworkAccess"));
        Assert.True(data.DefaultValue("publicNetworkAccess").GetBoolean());
        var account = Assert.Single(host.Deployed("Microsoft.Storage/storageAccounts")).GetProperty("properties");
        Assert.Equal("[if(parameters('publicNetworkAccess'), 'Enabled', 'Disabled')]", account.GetProperty("publicNetworkAccess").GetString());
        var acls = account.GetProperty("networkAcls");
        Assert.Equal("[if(parameters('networkRestricted'), 'Deny', 'Allow')]", acls.GetProperty("defaultAction").GetString());
        // Event Grid writes dead letters to the data account with its identity, as a trusted service.
        Assert.Equal("AzureServices", acls.GetProperty("bypass").GetString());
    }

    private Dictionary<string, JsonElement> Subnets() =>
        Assert.Single(Network.Deployed("Microsoft.Network/virtualNetworks")).GetProperty("properties").GetProperty("subnets").EnumerateArray()
            .ToDictionary(subnet => subnet.GetProperty("name").GetString()!, subnet => subnet.GetProperty("properties"));
}
