using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SmimePipeline.CertificateDirectory.Dkim;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Harvest;

/// <summary>Registers what the signer role's harvest consumer needs beyond the certificates: DKIM over DNS.</summary>
public static class HarvestServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="HarvestOptions"/> (validated at start), the DNS DKIM key locator and the
    /// <see cref="DkimAuthenticator"/> that runs before every harvest, and the <see cref="CertificateDirectory.EncryptedReplyOpener"/>
    /// that decrypts replies encrypted to a signer identity (needs <c>AddSignerCertificates</c>).
    /// </summary>
    public static IServiceCollection AddInboundHarvest(this IServiceCollection services)
    {
        services.AddOptions<HarvestOptions>().BindConfiguration(HarvestOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HarvestOptions>, HarvestOptionsValidator>());
        services.TryAddSingleton<ReturnPathTelemetry>();
        services.TryAddSingleton<MimeKit.Cryptography.IDkimPublicKeyLocator>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<HarvestOptions>>().Value;
            var server = o.DnsServer is { Length: > 0 } text ? HarvestOptionsValidator.ParseDnsServer(text) : null;
            return new DnsDkimPublicKeyLocator(server, o.DnsTimeout);
        });
        services.TryAddSingleton(sp => new DkimAuthenticator(
            sp.GetRequiredService<MimeKit.Cryptography.IDkimPublicKeyLocator>(),
            sp.GetRequiredService<IOptions<HarvestOptions>>().Value.Dkim));
        // Encrypted replies are opened with the signer identities' keys, which only this role holds.
        services.TryAddSingleton(sp => new CertificateDirectory.EncryptedReplyOpener(sp.GetRequiredService<CertificateDirectory.Registration.SignerKeySources>()));
        return services;
    }
}
