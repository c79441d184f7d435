using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MimeKit;
using SmimePipeline.CertificateDirectory;
using SmimePipeline.CertificateDirectory.Registration;
using SmimePipeline.Cli.Commands;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Cryptography.Options;
using SmimePipeline.Cryptography.Pkcs11;
using SmimePipeline.Testing;
using SmimePipeline.Worker.Hosting;

namespace SmimePipeline.IntegrationTests.Cli;

/// <summary>
/// Issue 15: the signer worker's protector and <c>smime protect</c>'s come from one registration
/// (<see cref="SmimeCertificatesServiceCollectionExtensions"/>), so a later change cannot give the two doors
/// different rules. Proven on the service descriptors (the very same factory), on what they resolve, and on
/// the options they end up with.
/// </summary>
public sealed class OneCertificateRegistrationTests : IClassFixture<DemoPkiFixture>, IDisposable
{
    private static readonly Type[] SharedServices =
    [
        typeof(ICertificateStore), typeof(ICertificateValidator), typeof(IRecipientDirectory), typeof(IRecipientCapabilities),
        typeof(ICertificateAuthoritySource), typeof(RevocationChecker), typeof(CertificateHarvester), typeof(SmimeProtector),
        typeof(SignerKeySources), typeof(DirectoryCertificateStore), typeof(Pkcs11KeyProvider),
    ];

    private readonly DemoPki _pki;
    private readonly TempDirectory _temp = new();
    private readonly string _store;

    public OneCertificateRegistrationTests(DemoPkiFixture fixture)
    {
        _pki = fixture.Pki;
        _store = Path.Combine(_temp.Path, "store");
        DirectoryCopy.Copy(_pki.StorePath, _store);
    }

    [Fact]
    public void Worker_and_cli_register_every_certificate_service_with_the_same_factory()
    {
        var worker = WorkerServices();
        var cli = CliServices();

        foreach (var type in SharedServices)
        {
            var fromWorker = worker.LastOrDefault(d => d.ServiceType == type);
            var fromCli = cli.LastOrDefault(d => d.ServiceType == type);
            Assert.True(fromWorker is not null, $"The worker does not register {type.Name}.");
            Assert.True(fromCli is not null, $"The CLI does not register {type.Name}.");
            Assert.NotNull(fromWorker.ImplementationFactory);
            Assert.Equal(fromWorker.ImplementationFactory.Method, fromCli.ImplementationFactory?.Method);
            var owner = fromWorker.ImplementationFactory.Method.DeclaringType!;
            Assert.True(
                owner == typeof(SmimeCertificatesServiceCollectionExtensions) || owner.DeclaringType == typeof(SmimeCertificatesServiceCollectionExtensions),
                $"{type.Name} is built by {owner.FullName}, not by the shared registration.");
        }
    }

    [Fact]
    public void Worker_and_cli_resolve_the_same_types_with_the_same_options()
    {
        using var worker = WorkerServices().BuildServiceProvider();
        using var cli = CliServices().BuildServiceProvider();

        foreach (var type in SharedServices)
        {
            Assert.Equal(worker.GetRequiredService(type).GetType(), cli.GetRequiredService(type).GetType());
        }

        var w = worker.GetRequiredService<IOptions<SmimeCertificatesOptions>>().Value;
        var c = cli.GetRequiredService<IOptions<SmimeCertificatesOptions>>().Value;
        Assert.Equal(
            (Path.GetFullPath(w.StorePath), w.Provider, w.EffectiveSqlitePath, w.Revocation, w.CacheLifetime, w.RevocationTimeout),
            (Path.GetFullPath(c.StorePath), c.Provider, c.EffectiveSqlitePath, c.Revocation, c.CacheLifetime, c.RevocationTimeout));
        Assert.Equal(RevocationPolicy.Lenient, ((CertificateValidator)worker.GetRequiredService<ICertificateValidator>()).Policy);
        Assert.Equal(RevocationPolicy.Lenient, ((CertificateValidator)cli.GetRequiredService<ICertificateValidator>()).Policy);
        Assert.Equal(SignatureDigest.Sha384, worker.GetRequiredService<IOptions<ProtectionOptions>>().Value.Digest);
        Assert.Equal(SignatureDigest.Sha384, cli.GetRequiredService<IOptions<ProtectionOptions>>().Value.Digest);
        Assert.IsType<DirectoryRecipientCapabilities>(cli.GetRequiredService<IRecipientCapabilities>());

        // Signer keys in tokens: one provider each, from the shared registration, with the settings of each door.
        var wp = worker.GetRequiredService<IOptions<Pkcs11Options>>().Value;
        var cp = cli.GetRequiredService<IOptions<Pkcs11Options>>().Value;
        Assert.Equal((3, TimeSpan.FromSeconds(9)), (wp.MaxSessions, wp.SessionWaitTimeout));
        Assert.Equal((wp.MaxSessions, wp.SessionWaitTimeout), (cp.MaxSessions, cp.SessionWaitTimeout));

        // And they decide alike: the same unknown recipient is refused for the same reason by both.
        var fromWorker = Refusal(worker.GetRequiredService<SmimeProtector>());
        var fromCli = Refusal(cli.GetRequiredService<SmimeProtector>());
        Assert.Equal(fromWorker.ReasonCode, fromCli.ReasonCode);
        Assert.Equal(fromWorker.Address, fromCli.Address);
    }

    public void Dispose() => _temp.Dispose();

    private ServiceCollection WorkerServices()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SmimePipeline:Roles"] = "Signer",
            ["SmimePipeline:Signer:StorePath"] = _store,
            ["SmimePipeline:Directory:Revocation"] = "Lenient",
            ["SmimePipeline:Directory:CacheLifetime"] = "00:00:07",
            ["SmimePipeline:Signer:Protection:Digest"] = "Sha384",
            ["SmimePipeline:Signer:Pkcs11:MaxSessions"] = "3",
            ["SmimePipeline:Signer:Pkcs11:SessionWaitTimeout"] = "00:00:09",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSmimePipelineWorker(configuration);
        return services;
    }

    private ServiceCollection CliServices()
    {
        var services = new ServiceCollection();
        CertificateServices.Add(
            services,
            o =>
            {
                o.StorePath = _store;
                o.Revocation = RevocationPolicy.Lenient;
                o.CacheLifetime = TimeSpan.FromSeconds(7);
            },
            p => p.Digest = SignatureDigest.Sha384,
            k =>
            {
                k.MaxSessions = 3;
                k.SessionWaitTimeout = TimeSpan.FromSeconds(9);
            });
        return services;
    }

    private ProtectionRefusedException Refusal(SmimeProtector protector)
    {
        using var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(_pki.SenderAddress));
        message.To.Add(MailboxAddress.Parse("nobody@unknown.example"));
        message.Subject = "Statement";
        message.Body = new TextPart("plain") { Text = "hello" };
        return Assert.Throws<ProtectionRefusedException>(() => protector.Protect(message, new SecurityPolicy()));
    }
}
