using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SmimePipeline.Delivery.Pickup;
using SmimePipeline.Delivery.Smtp;
using SmimePipeline.Testing;

namespace SmimePipeline.Delivery.Tests;

public sealed class DeliveryOptionsTests
{
    private static ServiceProvider BuildProvider(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddMailTransport();
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Smtp_without_host_names_the_missing_key()
    {
        using var provider = BuildProvider(new() { ["SmimePipeline:Delivery:Provider"] = "smtp" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IMailTransport>());

        Assert.Contains("SmimePipeline:Delivery:Smtp:Host is required when Provider is smtp.", error.Failures);
    }

    [Fact]
    public void Pickup_without_directory_names_the_missing_key()
    {
        using var provider = BuildProvider(new() { ["SmimePipeline:Delivery:Provider"] = "pickup" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IMailTransport>());

        Assert.Contains("SmimePipeline:Delivery:Pickup:Directory is required when Provider is pickup.", error.Failures);
    }

    [Fact]
    public void SparkPost_needs_an_api_key()
    {
        using var provider = BuildProvider(new() { ["SmimePipeline:Delivery:Provider"] = "sparkpost" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IMailTransport>());

        Assert.Contains("SmimePipeline:Delivery:SparkPost:ApiKey or SmimePipeline:Delivery:SparkPost:ApiKeyFile is required when Provider is sparkpost (set exactly one).", error.Failures);
    }

    [Fact]
    public void Unknown_provider_is_refused()
    {
        using var provider = BuildProvider(new() { ["SmimePipeline:Delivery:Provider"] = "carrier-pigeon" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IMailTransport>());

        Assert.Contains("SmimePipeline:Delivery:Provider must be 'pickup', 'smtp' or 'sparkpost' (was 'carrier-pigeon').", error.Failures);
    }

    [Fact]
    public void Smtp_settings_that_contradict_each_other_are_all_reported()
    {
        var result = new DeliveryOptionsValidator("Custom:Delivery").Validate(null, new DeliveryOptions
        {
            Provider = "SMTP",
            Smtp = new SmtpOptions { Host = "relay.example", Port = 0, UserName = "user", Timeout = TimeSpan.Zero },
        });

        Assert.True(result.Failed);
        Assert.Equal(
            new[]
            {
                "Custom:Delivery:Smtp:Port must be between 1 and 65535 (was 0).",
                "Custom:Delivery:Smtp:Timeout must be positive (was 00:00:00).",
                "Custom:Delivery:Smtp:UserName is set but neither Custom:Delivery:Smtp:Password nor Custom:Delivery:Smtp:PasswordFile is.",
            },
            result.Failures);
    }

    [Fact]
    public void Configured_smtp_provider_resolves_the_smtp_transport_with_bound_settings()
    {
        using var provider = BuildProvider(new()
        {
            ["SmimePipeline:Delivery:Provider"] = "smtp",
            ["SmimePipeline:Delivery:Smtp:Host"] = "relay.example",
            ["SmimePipeline:Delivery:Smtp:Port"] = "2525",
            ["SmimePipeline:Delivery:Smtp:Security"] = "StartTlsWhenAvailable",
            ["SmimePipeline:Delivery:Smtp:Timeout"] = "00:00:05",
        });

        var transport = provider.GetRequiredService<IMailTransport>();
        var options = provider.GetRequiredService<IOptions<DeliveryOptions>>().Value;

        Assert.IsType<SmtpTransport>(transport);
        Assert.Equal(2525, options.Smtp.Port);
        Assert.Equal(SmtpSecurity.StartTlsWhenAvailable, options.Smtp.Security);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Smtp.Timeout);
    }

    [Fact]
    public void Configured_pickup_provider_resolves_the_pickup_transport()
    {
        using var temp = new TempDirectory();
        using var provider = BuildProvider(new() { ["SmimePipeline:Delivery:Pickup:Directory"] = temp.Path });

        Assert.IsType<PickupDirectoryTransport>(provider.GetRequiredService<IMailTransport>());
    }

    [Fact]
    public async Task Invalid_settings_stop_the_host_at_start()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["SmimePipeline:Delivery:Provider"] = "smtp" });
        builder.Services.AddMailTransport();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("SmimePipeline:Delivery:Smtp:Host is required when Provider is smtp.", error.Failures);
    }
}
