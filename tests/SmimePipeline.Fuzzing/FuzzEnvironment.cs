using SmimePipeline.Cryptography;
using SmimePipeline.Cryptography.Certificates;

namespace SmimePipeline.Fuzzing;

/// <summary>
/// What the targets share: the demo PKI (created once in <c>$SMIME_FUZZ_PKI</c>, default
/// <c>artifacts/fuzz/pki</c> under the working directory), its store, and a protector on it. Created once per
/// process; afl-fuzz then runs many inputs in the same process.
/// </summary>
internal sealed class FuzzEnvironment
{
    public const string PkiVariable = "SMIME_FUZZ_PKI";

    private static readonly Lazy<FuzzEnvironment> Shared = new(() => new FuzzEnvironment());

    private FuzzEnvironment()
    {
        string directory = Environment.GetEnvironmentVariable(PkiVariable) is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.CurrentDirectory, "artifacts", "fuzz", "pki");
        Pki = DemoPki.EnsureCreated(directory);
        Store = new DirectoryCertificateStore(Pki.StorePath);
        Protector = new SmimeProtector(Store);
        Authorities = new FixedAuthorities(Store.TrustAnchors);
    }

    public static FuzzEnvironment Instance => Shared.Value;

    public DemoPki Pki { get; }

    public DirectoryCertificateStore Store { get; }

    public SmimeProtector Protector { get; }

    public ICertificateAuthoritySource Authorities { get; }

    private sealed class FixedAuthorities(IReadOnlyList<System.Security.Cryptography.X509Certificates.X509Certificate2> anchors) : ICertificateAuthoritySource
    {
        public IReadOnlyList<System.Security.Cryptography.X509Certificates.X509Certificate2> GetTrustAnchors() => anchors;

        public IReadOnlyList<System.Security.Cryptography.X509Certificates.X509Certificate2> GetIntermediates() => [];

        public IReadOnlyList<byte[]> GetRevocationLists(System.Security.Cryptography.X509Certificates.X500DistinguishedName issuer) => [];
    }
}
