using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using SmimePipeline.CertificateDirectory;
using SmimePipeline.Cryptography.Options;
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
        services.TryAddSingleton<IRecipientDirectory>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<SmimePipelineOptions>>().Value;
            var time = sp.GetRequiredService<TimeProvider>();
            if (o.Directory.Provider == DirectoryProvider.Postgres)
            {
                var connection = new NpgsqlConnectionStringBuilder(o.Directory.Postgres);
                if (o.Directory.PasswordFile is { Length: > 0 } file)
                {
                    connection.Password = File.ReadAllText(file).TrimEnd('\r', '\n');
                }

                return new PostgresRecipientDirectory(connection.ConnectionString, o.Directory.TablePrefix, time) { CacheLifetime = o.Directory.CacheLifetime };
            }

            var path = o.Directory.SqlitePath is { Length: > 0 } sqlite ? sqlite : Path.Combine(o.Signer.StorePath, "directory.sqlite");
            return new SqliteRecipientDirectory(path, time) { CacheLifetime = o.Directory.CacheLifetime };
        });
        // Signer keys in PKCS#11 tokens (Signer:Pkcs11): one module load and one session pool per token, shared by
        // every signer thread; the store opens them for signers filed as pkcs11: URIs.
        services.AddOptions<Pkcs11Options>().BindConfiguration(Pkcs11Options.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Pkcs11Options>, Pkcs11OptionsValidator>());
        services.TryAddSingleton(sp => new Pkcs11KeyProvider(sp.GetRequiredService<IOptions<Pkcs11Options>>().Value));
        services.AddHealthChecks().AddCheck<Pkcs11HealthCheck>("pkcs11", tags: ["ready"]);
        services.TryAddSingleton(sp => new DirectoryCertificateStore(
            sp.GetRequiredService<IOptions<SmimePipelineOptions>>().Value.Signer.StorePath,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Pkcs11KeyProvider>()));
        services.TryAddSingleton<ICertificateValidationObserver, CertificateValidationTelemetry>();
        services.TryAddSingleton<ICertificateValidator>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<SmimePipelineOptions>>().Value.Directory;
            var authorities = new CombinedAuthoritySource(sp.GetRequiredService<IRecipientDirectory>(), sp.GetRequiredService<DirectoryCertificateStore>());
            var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient("smime-revocation");
            http.Timeout = o.RevocationTimeout;
            var time = sp.GetRequiredService<TimeProvider>();
            return new CertificateValidator(authorities, new RevocationChecker(authorities, http, time), o.Revocation, sp.GetRequiredService<ICertificateValidationObserver>(), time);
        });
        services.AddHttpClient("smime-revocation");

        if (!string.IsNullOrWhiteSpace(options.Signer.IdentitiesPath))
        {
            services.TryAddSingleton(sp => new MountedSignerIdentities(
                sp.GetRequiredService<IOptions<SmimePipelineOptions>>().Value.Signer.IdentitiesPath, sp.GetRequiredService<TimeProvider>()));
            services.AddHostedService(sp => new SignerIdentitiesRefresher(
                sp.GetRequiredService<MountedSignerIdentities>(),
                sp.GetRequiredService<IOptions<SmimePipelineOptions>>().Value.Signer.IdentitiesRefreshInterval,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<SignerIdentitiesRefresher>>()));
        }

        services.AddHostedService(sp => new SignerExpiryGauge(
            sp.GetRequiredService<Telemetry.SmimeTelemetry>(),
            sp.GetRequiredService<DirectoryCertificateStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<MountedSignerIdentities>()));
        services.TryAddSingleton<ICertificateStore>(sp => new ValidatedCertificateStore(
            sp.GetRequiredService<IRecipientDirectory>(),
            sp.GetRequiredService<ICertificateValidator>(),
            sp.GetService<MountedSignerIdentities>(),
            sp.GetRequiredService<DirectoryCertificateStore>(),
            sp.GetRequiredService<TimeProvider>())
        {
            ValidationCacheLifetime = sp.GetRequiredService<IOptions<SmimePipelineOptions>>().Value.Directory.CacheLifetime,
        });
        services.TryAddSingleton<RecipientAssessment>();

        // Cipher choice (Signer:Protection:Cipher = Auto): GCM only for recipients whose harvested
        // SMIMECapabilities say they read it.
        services.TryAddSingleton<IRecipientCapabilities>(sp => new DirectoryRecipientCapabilities(sp.GetRequiredService<IRecipientDirectory>()));
        services.TryAddSingleton(sp => new CertificateHarvester(sp.GetRequiredService<IRecipientDirectory>(), sp.GetRequiredService<ICertificateValidator>()));
        return services;
    }
}
