using System.CommandLine;
using Microsoft.Extensions.Options;
using SmimePipeline.CertificateDirectory.Registration;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Options;
using SmimePipeline.Cryptography.Pkcs11;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Hosting;

namespace SmimePipeline.Cli.Commands;

/// <summary>
/// The services of every <c>smime</c> command that protects or looks up certificates, composed by the same
/// <see cref="SmimeCertificatesServiceCollectionExtensions.AddSmimeCertificates"/> and
/// <see cref="SmimeCertificatesServiceCollectionExtensions.AddSmimeProtection"/> as the signer worker, so that
/// <c>smime protect</c> refuses exactly what the pipeline refuses (revoked by an imported CRL or by OCSP, no
/// chain, …) and encrypts to every certificate the pipeline would (harvested ones included).
/// </summary>
public static class CertificateServices
{
    /// <summary>
    /// Adds what a command needs: the shared registrations plus warnings on stderr. The algorithms and limits are the signer
    /// worker's, from the same keys in the environment (<c>SmimePipeline__Signer__Protection__…</c>), before the command's own
    /// options. Signer keys in PKCS#11 tokens are
    /// opened by the shared registration's <see cref="Pkcs11KeyProvider"/>, set from the worker's own keys in the
    /// environment (<c>SmimePipeline__Signer__Pkcs11__ModulePath</c>, <c>__PinFile</c>, <c>__MaxSessions</c>,
    /// <c>__SessionWaitTimeout</c>); the PIN from that file, else the URI's <c>pin-source</c>, else <c>$SMIME_PKCS11_PIN</c>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configureCertificates">Sets the store, directory and revocation policy.</param>
    /// <param name="configureProtection">Sets the algorithms; <see langword="null"/> keeps the defaults.</param>
    /// <param name="configurePkcs11">Overrides the PKCS#11 settings after the environment (a command's <c>--pkcs11-module</c>); optional.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection Add(IServiceCollection services, Action<SmimeCertificatesOptions> configureCertificates, Action<ProtectionOptions>? configureProtection = null, Action<Pkcs11Options>? configurePkcs11 = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configureCertificates);
        services.AddSingleton<ICertificateValidationObserver, ConsoleValidationWarnings>();
        // The worker's certificate settings from the same keys in the environment (SmimePipeline__Signer__StorePath,
        // __Signer__IdentitiesPath, __Directory__Provider, __Postgres, __PasswordFile, __TablePrefix, __Revocation,
        // __CacheLifetime, __RevocationTimeout) through the worker's own mapping, then the command's options over them
        // (session 20; before, a command knew only its own flags: mounted identities, a table prefix or a password file the
        // worker used were not the command's, so it could sign with another key or look in other tables).
        var environment = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var worker = environment.GetSection(SmimePipelineOptions.SectionName).Get<SmimePipelineOptions>() ?? new SmimePipelineOptions();
        services.AddSmimeCertificates()
            .Configure(o =>
            {
                SignerCertificatesServiceCollectionExtensions.MapTo(worker, o);
                // A command protects one mail at a time: its own bound when set, else the directory's default, not the
                // worker's protect slots.
                o.PostgresMaxConnections = worker.Directory.MaxConnections;
            })
            .Configure(configureCertificates);
        // The worker's own keys, from the environment (SmimePipeline__Signer__Protection__MaxHeaderBytes, __AllowedAlgorithms,
        // __Cipher, …), then the command's options over them: a refusal must not depend on the door (session 20; before,
        // smime protect used the defaults and signed what a worker configured with an allow-list or a header limit refused).
        services.AddSmimeProtection().Bind(environment.GetSection(ProtectionOptions.SectionName)).Configure(configureProtection ?? (_ => { }));
        services.AddOptions<Pkcs11Options>().Bind(environment.GetSection(Pkcs11Options.SectionName)).Configure(configurePkcs11 ?? (_ => { }));
        return services;
    }

    /// <summary>Builds the container.</summary>
    /// <param name="configureCertificates">Sets the store, directory and revocation policy.</param>
    /// <param name="configureProtection">Sets the algorithms; <see langword="null"/> keeps the defaults.</param>
    /// <returns>The container; dispose it to close the directory.</returns>
    /// <exception cref="CliException">The settings are invalid; the message names them.</exception>
    /// <param name="pkcs11">
    /// A provider the caller already opened (the bench, which reads its certificate from the token first; the caller
    /// disposes it); <see langword="null"/>: the shared registration's, set from the environment and <paramref name="configurePkcs11"/>.
    /// </param>
    /// <param name="configurePkcs11">Overrides the PKCS#11 settings after the environment; optional.</param>
    public static ServiceProvider Build(Action<SmimeCertificatesOptions> configureCertificates, Action<ProtectionOptions>? configureProtection = null, Pkcs11KeyProvider? pkcs11 = null, Action<Pkcs11Options>? configurePkcs11 = null)
    {
        var services = new ServiceCollection();
        if (pkcs11 is not null)
        {
            // Before the shared registration, whose TryAdd then keeps this one.
            services.AddSingleton(pkcs11);
        }

        Add(services, configureCertificates, configureProtection, configurePkcs11);

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        try
        {
            // A host validates at start; a command validates here, before it touches a file.
            _ = provider.GetRequiredService<IOptions<SmimeCertificatesOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<ProtectionOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<Pkcs11Options>>().Value;
        }
        catch (OptionsValidationException invalid)
        {
            provider.Dispose();
            throw new CliException(string.Join(" ", invalid.Failures), invalid);
        }

        return provider;
    }

    /// <summary>Builds the container from a command's <c>--store</c>, <c>--postgres</c> and <c>--revocation</c>.</summary>
    /// <param name="parseResult">The parsed command line.</param>
    /// <param name="store">The <c>--store</c> option (else <c>$SMIME_STORE</c>).</param>
    /// <param name="postgres">The <c>--postgres</c> option (else <c>$SMIME_POSTGRES</c>, else the worker's <c>SmimePipeline__Directory__*</c>, else SQLite in the store).</param>
    /// <param name="revocation">The <c>--revocation</c> option; when it is not given (or <see langword="null"/>), the worker's <c>SmimePipeline__Directory__Revocation</c>, else <see cref="RevocationPolicy.Strict"/>.</param>
    /// <param name="configureProtection">Sets the algorithms; <see langword="null"/> keeps the defaults.</param>
    /// <param name="storeRequired">Whether a store must be named even with a PostgreSQL directory.</param>
    /// <param name="configurePkcs11">Overrides the PKCS#11 settings after the environment; optional.</param>
    /// <returns>The container.</returns>
    /// <exception cref="CliException">No store where one is needed, or invalid settings.</exception>
    internal static ServiceProvider Build(
        ParseResult parseResult,
        Option<string?> store,
        Option<string?> postgres,
        Option<RevocationPolicy>? revocation = null,
        Action<ProtectionOptions>? configureProtection = null,
        bool storeRequired = true,
        Action<Pkcs11Options>? configurePkcs11 = null)
    {
        var connectionString = parseResult.GetValue(postgres) ?? Environment.GetEnvironmentVariable(DirectoryOption.EnvironmentVariable);
        bool usesPostgres = !string.IsNullOrWhiteSpace(connectionString);
        string storePath = storeRequired || !usesPostgres
            ? StoreOption.Resolve(parseResult, store)
            : parseResult.GetValue(store) ?? Environment.GetEnvironmentVariable(StoreOption.EnvironmentVariable) ?? "";
        // --revocation when given; else the worker's SmimePipeline__Directory__Revocation (Strict unless set).
        RevocationPolicy? policy = revocation is not null && parseResult.GetResult(revocation) is { Implicit: false } ? parseResult.GetValue(revocation) : null;
        return Build(
            o =>
            {
                o.StorePath = storePath;
                if (usesPostgres)
                {
                    // --postgres or $SMIME_POSTGRES; else the worker's SmimePipeline__Directory__Provider and __Postgres (SQLite unless set).
                    o.Provider = RecipientDirectoryProvider.Postgres;
                    o.Postgres = connectionString!;
                }

                o.Revocation = policy ?? o.Revocation;
            },
            configureProtection,
            configurePkcs11: configurePkcs11);
    }
}
