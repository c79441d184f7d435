using SmimePipeline.Testing;

namespace SmimePipeline.CertificateDirectory.Tests;

/// <summary>The suite on an embedded SQLite file, one per test.</summary>
public sealed class SqliteRecipientDirectoryTests(TestPki pki) : RecipientDirectoryTests(pki)
{
    private TempDirectory? _temp;

    protected override IRecipientDirectory CreateDirectory()
    {
        _temp = new TempDirectory();
        return new SqliteRecipientDirectory(_temp.File("directory.sqlite"));
    }

    protected override void DisposeStorage() => _temp?.Dispose();
}
