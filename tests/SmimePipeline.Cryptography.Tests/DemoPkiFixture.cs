using SmimePipeline.Cryptography.Certificates;

namespace SmimePipeline.Cryptography.Tests;

/// <summary>One demo PKI per test run, shared by every test class in the "demo-pki" collection.</summary>
public sealed class DemoPkiFixture : IDisposable
{
    public DemoPkiFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "smime-crypto-tests-" + Guid.NewGuid().ToString("N"));
        Pki = DemoPki.EnsureCreated(Root);
        Store = new DirectoryCertificateStore(Pki.StorePath);
    }

    public string Root { get; }

    public DemoPki Pki { get; }

    public DirectoryCertificateStore Store { get; }

    /// <summary>A fresh directory under the fixture's root for one test.</summary>
    public string NewDirectory(string name)
    {
        string path = Path.Combine(Root, name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose()
    {
        Store.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}

[CollectionDefinition("demo-pki")]
public sealed class DemoPkiGroup : ICollectionFixture<DemoPkiFixture>;
