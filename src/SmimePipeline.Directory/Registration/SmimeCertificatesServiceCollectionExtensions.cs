using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using SmimePipeline.Cryptography;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Options;
using SmimePipeline.Cryptography.Pkcs11;

namespace SmimePipeline.CertificateDirectory.Registration;

/// <summary>
/// The one registration of "which certificate, and may it be used": the signer worker, <c>smime protect</c>,
/// <c>smime certs</c> and <c>smime bench</c> all call these, so a refusal cannot depend on the entry point.
/// </summary>
public static class SmimeCertificatesServiceCollectionExtensions
{
    /// <summary>The named <see cref="HttpClient"/> used for CRL and OCSP requests.</summary>
    public const string RevocationHttpClientName = "smime-revocation";

    /// <summary>
    /// Adds the certificate services, configured by <see cref="SmimeCertificatesOptions"/> (validated when first
    /// resolved, or at start with a host): <see cref="IRecipientDirectory"/> (SQLite in the store by default, or
    /// PostgreSQL), <see cref="Pkcs11KeyProvider"/> (configured by <see cref="Pkcs11Options"/>, validated by
    /// <see cref="Pkcs11OptionsValidator"/>: module path, PIN file else <c>$SMIME_PKCS11_PIN</c>; it loads no module until
    /// a signer filed as a <c>pkcs11:</c> URI signs), <see cref="DirectoryCertificateStore"/> (opening signer keys in
    /// PKCS#11 tokens through that provider), <see cref="SignerKeySources"/>,
    /// <see cref="RevocationChecker"/>, <see cref="ICertificateValidator"/> (chain to the directory's and the
    /// store's anchors, revocation per <see cref="SmimeCertificatesOptions.Revocation"/>), the
    /// <see cref="ICertificateStore"/> the protector uses (<see cref="ValidatedCertificateStore"/>: every certificate
    /// validated on use), <see cref="IRecipientCapabilities"/> from harvested SMIMECapabilities, and
    /// <see cref="CertificateHarvester"/>. An <see cref="ICertificateValidationObserver"/> registered by the caller
    /// (metrics, console warnings) hears refusals and warnings; none is required.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The options builder: bind or configure <see cref="SmimeCertificatesOptions"/> on it.</returns>
    public static OptionsBuilder<SmimeCertificatesOptions> AddSmimeCertificates(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SmimeCertificatesOptions>, SmimeCertificatesOptionsValidator>());
        services.AddHttpClient(RevocationHttpClientName);

        services.TryAddSingleton(CreateDirectory);
        // Signer keys in PKCS#11 tokens: one provider (one module load and session pool per token) for every entry
        // point, so a signer filed as a pkcs11: URI signs in the worker, smime protect and smime bench alike. Callers
        // bind Pkcs11Options (the worker from Signer:Pkcs11, the CLI from the same keys in its environment).
        services.AddOptions<Pkcs11Options>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Pkcs11Options>, Pkcs11OptionsValidator>());
        services.TryAddSingleton(sp => new Pkcs11KeyProvider(sp.GetRequiredService<IOptions<Pkcs11Options>>().Value));
        services.TryAddSingleton(sp => new DirectoryCertificateStore(
            Options(sp).StorePath is { Length: > 0 } store ? store : throw new InvalidOperationException("No certificate store: StorePath is not set."),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Pkcs11KeyProvider>()));
        services.TryAddSingleton(sp => new SignerKeySources(
            sp.GetRequiredService<DirectoryCertificateStore>(),
            Options(sp).IdentitiesPath is { Length: > 0 } mounted ? new MountedSignerIdentities(mounted, sp.GetRequiredService<TimeProvider>()) : null));
        // Anchors of the directory and of the store; a PostgreSQL directory used without a store has only its own.
        services.TryAddSingleton<ICertificateAuthoritySource>(sp => Options(sp).StorePath is { Length: > 0 }
            ? new CombinedAuthoritySource(sp.GetRequiredService<IRecipientDirectory>(), sp.GetRequiredService<DirectoryCertificateStore>())
            : sp.GetRequiredService<IRecipientDirectory>());
        services.TryAddSingleton(sp =>
        {
            var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient(RevocationHttpClientName);
            http.Timeout = Options(sp).RevocationTimeout;
            return new RevocationChecker(sp.GetRequiredService<ICertificateAuthoritySource>(), http, sp.GetRequiredService<TimeProvider>());
        });
        services.TryAddSingleton<ICertificateValidator>(sp => new CertificateValidator(
            sp.GetRequiredService<ICertificateAuthoritySource>(),
            sp.GetRequiredService<RevocationChecker>(),
            Options(sp).Revocation,
            sp.GetService<ICertificateValidationObserver>(),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<ICertificateStore>(sp =>
        {
            var signers = sp.GetRequiredService<SignerKeySources>();
            return new ValidatedCertificateStore(
                sp.GetRequiredService<IRecipientDirectory>(),
                sp.GetRequiredService<ICertificateValidator>(),
                signers.Mounted,
                signers.Files,
                sp.GetRequiredService<TimeProvider>())
            {
                ValidationCacheLifetime = Options(sp).CacheLifetime,
            };
        });

        // Cipher: Auto picks AES-GCM only for recipients whose harvested SMIMECapabilities list it.
        services.TryAddSingleton<IRecipientCapabilities>(sp => new DirectoryRecipientCapabilities(sp.GetRequiredService<IRecipientDirectory>()));
        services.TryAddSingleton(sp => new CertificateHarvester(sp.GetRequiredService<IRecipientDirectory>(), sp.GetRequiredService<ICertificateValidator>()));
        return services.AddOptions<SmimeCertificatesOptions>();
    }

    /// <summary>
    /// Adds the protect engine, <see cref="SmimeProtector"/>, over the <see cref="ICertificateStore"/> and
    /// <see cref="IRecipientCapabilities"/> of <see cref="AddSmimeCertificates"/> (call both), with
    /// <see cref="ProtectionOptions"/> validated by <see cref="ProtectionOptionsValidator"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The options builder: bind or configure <see cref="ProtectionOptions"/> on it.</returns>
    public static OptionsBuilder<ProtectionOptions> AddSmimeProtection(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ProtectionOptions>, ProtectionOptionsValidator>());
        services.TryAddSingleton(sp => new SmimeProtector(
            sp.GetRequiredService<ICertificateStore>(),
            sp.GetRequiredService<IOptions<ProtectionOptions>>().Value,
            sp.GetRequiredService<IRecipientCapabilities>(),
            sp.GetRequiredService<TimeProvider>()));
        return services.AddOptions<ProtectionOptions>();
    }

    private static SmimeCertificatesOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<SmimeCertificatesOptions>>().Value;

    private static IRecipientDirectory CreateDirectory(IServiceProvider services)
    {
        var options = Options(services);
        var time = services.GetRequiredService<TimeProvider>();
        if (options.Provider == RecipientDirectoryProvider.Postgres)
        {
            var connection = new NpgsqlConnectionStringBuilder(options.Postgres);
            if (options.PostgresPasswordFile is { Length: > 0 } file)
            {
                connection.Password = File.ReadAllText(file).TrimEnd('\r', '\n');
            }

            return new PostgresRecipientDirectory(connection.ConnectionString, options.TablePrefix, time, options.EffectivePostgresMaxConnections) { CacheLifetime = options.CacheLifetime };
        }

        var path = options.EffectiveSqlitePath;
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } parent)
        {
            Directory.CreateDirectory(parent);
        }

        return new SqliteRecipientDirectory(path, time) { CacheLifetime = options.CacheLifetime };
    }
}
