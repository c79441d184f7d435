using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SmimePipeline.CertificateDirectory.Registration;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Pkcs11;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Signing;

namespace SmimePipeline.Worker.Hosting;

/// <summary>Registers the signer role's certificates: identities, the recipient directory, validation, harvesting.</summary>
public static class SignerCertificatesServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="ICertificateStore"/> the protector uses: signer identities from
    /// <c>Signer:IdentitiesPath</c> (polled) or <c>Signer:StorePath</c>, recipient certificates from the
    /// directory selected by <c>Directory:Provider</c>, each validated on use (chain, revocation).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="options">The options as read at registration (decide which services exist).</param>
    public static IServiceCollection AddSignerCertificates(this IServiceCollection services, SmimePipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // The same registration as smime protect, certs and bench: only the mapping of the worker's settings is ours.
        services.AddSmimeCertificates().Configure<IOptions<SmimePipelineOptions>>((certificates, pipeline) => MapTo(pipeline.Value, certificates)).ValidateOnStart();
        // Signer keys in PKCS#11 tokens (Signer:Pkcs11): AddSmimeCertificates registers the one Pkcs11KeyProvider (one
        // module load and one session pool per token, shared by every signer thread); only its settings are ours.
        services.AddOptions<Pkcs11Options>().BindConfiguration(Pkcs11Options.SectionName).ValidateOnStart();
        services.AddHealthChecks().AddCheck<Pkcs11HealthCheck>("pkcs11", tags: ["ready"]);
        services.TryAddSingleton<ICertificateValidationObserver, CertificateValidationTelemetry>();

        if (!string.IsNullOrWhiteSpace(options.Signer.IdentitiesPath))
        {
            // The health check and the refresher take the mounted identities of the shared registration.
            services.TryAddSingleton(sp => sp.GetRequiredService<SignerKeySources>().Mounted
                ?? throw new InvalidOperationException("Signer:IdentitiesPath is set, but the certificate registration holds no mounted identities."));
            services.AddHostedService(sp => new SignerIdentitiesRefresher(
                sp.GetRequiredService<MountedSignerIdentities>(),
                sp.GetRequiredService<IOptions<SmimePipelineOptions>>().Value.Signer.IdentitiesRefreshInterval,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<Telemetry.SmimeTelemetry>(),
                sp.GetRequiredService<ILogger<SignerIdentitiesRefresher>>()));
        }

        services.AddHostedService(sp => new SignerExpiryGauge(
            sp.GetRequiredService<Telemetry.SmimeTelemetry>(),
            sp.GetRequiredService<DirectoryCertificateStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<SignerKeySources>().Mounted));
        services.TryAddSingleton<RecipientAssessment>();
        return services;
    }

    /// <summary>The worker's <c>Signer</c> and <c>Directory</c> settings as the shared <see cref="SmimeCertificatesOptions"/>.</summary>
    /// <param name="pipeline">The worker's options.</param>
    /// <param name="certificates">The options to fill.</param>
    public static void MapTo(SmimePipelineOptions pipeline, SmimeCertificatesOptions certificates)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(certificates);
        certificates.StorePath = pipeline.Signer.StorePath;
        certificates.IdentitiesPath = pipeline.Signer.IdentitiesPath;
        certificates.Provider = pipeline.Directory.Provider == DirectoryProvider.Postgres ? RecipientDirectoryProvider.Postgres : RecipientDirectoryProvider.Sqlite;
        certificates.SqlitePath = pipeline.Directory.SqlitePath;
        certificates.Postgres = pipeline.Directory.Postgres;
        certificates.PostgresPasswordFile = pipeline.Directory.PasswordFile;
        certificates.PostgresMaxConnections = PostgresPoolDefaults.DirectoryMaxConnections(pipeline);
        certificates.TablePrefix = pipeline.Directory.TablePrefix;
        certificates.Revocation = pipeline.Directory.Revocation;
        certificates.CacheLifetime = pipeline.Directory.CacheLifetime;
        certificates.RevocationTimeout = pipeline.Directory.RevocationTimeout;
    }
}
