using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SmimePipeline.Client;

namespace SmimePipeline.Worker.Tests.Client;

/// <summary>
/// The producer's client settings come from the host's configuration (section <c>SmimePipeline</c>), code applied over
/// them, and a value that cannot work stops the host at start naming its key.
/// </summary>
public sealed class SmimePipelineClientOptionsBindingTests
{
    [Fact]
    public async Task A_host_built_from_configuration_gets_its_values()
    {
        using var host = Build(new()
        {
            ["SmimePipeline:MaxMessageBytes"] = "10000000",
            ["SmimePipeline:LargeMailThresholdBytes"] = "262144",
            ["SmimePipeline:MessageFormat"] = "Json",
        });

        await host.StartAsync();
        var options = host.Services.GetRequiredService<IOptions<SmimePipelineClientOptions>>().Value;
        await host.StopAsync();

        Assert.Equal(10_000_000, options.MaxMessageBytes);
        Assert.Equal(262_144, options.LargeMailThresholdBytes);
        Assert.Equal(ProtectCommandFormat.Json, options.MessageFormat);
    }

    [Fact]
    public void Absent_keys_keep_their_defaults_and_code_is_applied_over_configuration()
    {
        using var host = Build(new() { ["SmimePipeline:MaxMessageBytes"] = "10000000", ["SmimePipeline:MessageFormat"] = "Json" }, o => o.MessageFormat = ProtectCommandFormat.Binary);

        var options = host.Services.GetRequiredService<IOptions<SmimePipelineClientOptions>>().Value;

        Assert.Equal(10_000_000, options.MaxMessageBytes);
        Assert.Equal(0, options.LargeMailThresholdBytes);
        Assert.Equal(ProtectCommandFormat.Binary, options.MessageFormat);
    }

    public static TheoryData<string, string, string> InvalidValues => new()
    {
        { "SmimePipeline:MaxMessageBytes", "1000", "SmimePipeline:MaxMessageBytes must be between 65536 and 100000000 (was 1000)" },
        { "SmimePipeline:LargeMailThresholdBytes", "4096", "SmimePipeline:LargeMailThresholdBytes must be 0 (no large-mail lane) or at least 65536 (was 4096)" },
        { "SmimePipeline:MessageFormat", "7", "SmimePipeline:MessageFormat must be Binary or Json (was 7)" },
    };

    [Theory]
    [MemberData(nameof(InvalidValues))]
    public async Task An_invalid_value_stops_the_host_at_start_naming_the_key(string key, string value, string expected)
    {
        using var host = Build(new() { [key] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_that_is_not_of_the_setting_type_stops_the_host_at_start_naming_the_key()
    {
        using var host = Build(new() { ["SmimePipeline:MessageFormat"] = "Xml" });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("SmimePipeline:MessageFormat", error.Message, StringComparison.Ordinal);
    }

    private static IHost Build(Dictionary<string, string?> settings, Action<SmimePipelineClientOptions>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSmimePipelineClient(configure);
        return builder.Build();
    }
}
