using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Cli;

/// <summary>One demo PKI for a test class (creating keys takes a moment).</summary>
public sealed class DemoPkiFixture : IDisposable
{
    private readonly TempDirectory _temp = new();

    public DemoPkiFixture() => Pki = DemoPki.EnsureCreated(Path.Combine(_temp.Path, "pki"));

    public DemoPki Pki { get; }

    public void Dispose() => _temp.Dispose();
}
