using SmimePipeline.Testing;

namespace SmimePipeline.CertificateDirectory.Tests;

/// <summary>The same suite on the real PostgreSQL started by scripts/test.sh; each test has its own table prefix.</summary>
public sealed class PostgresRecipientDirectoryTests(TestPki pki) : RecipientDirectoryTests(pki)
{
    protected override IRecipientDirectory CreateDirectory() =>
        new PostgresRecipientDirectory(TestServices.PostgresConnectionString, "t" + Guid.NewGuid().ToString("N")[..12] + "_");
}
