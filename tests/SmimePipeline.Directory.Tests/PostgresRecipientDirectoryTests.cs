using SmimePipeline.Testing;

namespace SmimePipeline.CertificateDirectory.Tests;

/// <summary>The same suite on the real PostgreSQL started by scripts/test.sh; each test has its own table prefix.</summary>
public sealed class PostgresRecipientDirectoryTests(TestPki pki) : RecipientDirectoryTests(pki)
{
    [Fact]
    public async Task Workers_starting_together_create_the_tables_once_without_failing()
    {
        string prefix = "c" + Guid.NewGuid().ToString("N")[..12] + "_";
        var starts = Enumerable.Range(0, 6).Select(_ => Task.Run(() => new PostgresRecipientDirectory(TestServices.PostgresConnectionString, prefix))).ToList();
        var directories = await Task.WhenAll(starts);
        using var certificate = Pki.Issue("concurrent");
        directories[0].Add(certificate, DirectoryEntryKind.Recipient);

        Assert.All(directories, d => Assert.Single(d.Find("concurrent@" + TestPki.Domain)));
        foreach (var directory in directories)
        {
            directory.Dispose();
        }
    }

    protected override IRecipientDirectory CreateDirectory() =>
        new PostgresRecipientDirectory(TestServices.PostgresConnectionString, "t" + Guid.NewGuid().ToString("N")[..12] + "_");
}
