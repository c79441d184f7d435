using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SmimePipeline.Cryptography.Options;
using SmimePipeline.Worker.Hosting;

namespace SmimePipeline.Worker.Tests.Configuration;

/// <summary>The signer's algorithm settings come from SmimePipeline:Signer:Protection and are validated.</summary>
public sealed class ProtectionOptionsBindingTests
{
    [Fact]
    public void Signer_protection_settings_are_bound_from_configuration()
    {
        using var provider = Build(new Dictionary<string, string?>
        {
            ["SmimePipeline:Signer:Protection:Cipher"] = "Aes256Gcm",
            ["SmimePipeline:Signer:Protection:Signature"] = "RsaPss",
            ["SmimePipeline:Signer:Protection:KeyTransport"] = "RsaOaep",
            ["SmimePipeline:Signer:Protection:Opaque"] = "true",
            ["SmimePipeline:Signer:Protection:HeaderProtection"] = "true",
            ["SmimePipeline:Signer:Protection:ObscuredSubject"] = "(protected)",
            ["SmimePipeline:Signer:Protection:LegacyDisplay"] = "false",
            ["SmimePipeline:Signer:Protection:AllowedAlgorithms:0"] = "aes256-gcm",
        });

        var options = provider.GetRequiredService<IOptions<ProtectionOptions>>().Value;

        Assert.Equal(ContentCipher.Aes256Gcm, options.Cipher);
        Assert.Equal(SignatureScheme.RsaPss, options.Signature);
        Assert.Equal(KeyTransport.RsaOaep, options.KeyTransport);
        Assert.True(options.Opaque);
        Assert.True(options.HeaderProtection);
        Assert.Equal("(protected)", options.ObscuredSubject);
        Assert.False(options.LegacyDisplay);
        Assert.Equal(["aes256-gcm"], options.AllowedAlgorithms);
    }

    [Fact]
    public void The_legacy_display_is_on_by_default_and_a_value_that_is_not_a_boolean_stops_the_signer()
    {
        using (var defaults = Build(new Dictionary<string, string?> { ["SmimePipeline:Signer:Protection:HeaderProtection"] = "true" }))
        {
            Assert.True(defaults.GetRequiredService<IOptions<ProtectionOptions>>().Value.LegacyDisplay);
        }

        using var provider = Build(new Dictionary<string, string?> { ["SmimePipeline:Signer:Protection:LegacyDisplay"] = "sometimes" });
        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IOptions<ProtectionOptions>>().Value);
        Assert.Contains("LegacyDisplay", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_allowed_algorithm_stops_the_signer_naming_the_setting()
    {
        using var provider = Build(new Dictionary<string, string?> { ["SmimePipeline:Signer:Protection:AllowedAlgorithms:0"] = "3des" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ProtectionOptions>>().Value);
        Assert.Contains("SmimePipeline:Signer:Protection:AllowedAlgorithms", error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        settings["SmimePipeline:Roles"] = "Signer";
        settings["SmimePipeline:Signer:StorePath"] = Path.GetTempPath();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSmimePipelineWorker(configuration);
        return services.BuildServiceProvider();
    }
}
