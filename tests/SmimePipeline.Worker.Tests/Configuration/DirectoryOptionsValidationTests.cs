using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Tests.Configuration;

public sealed class DirectoryOptionsValidationTests
{
    private readonly SmimePipelineOptionsValidator _validator = new();

    [Fact]
    public void Postgres_directory_without_a_connection_string_names_the_setting()
    {
        var options = new SmimePipelineOptions { Roles = WorkerRoles.Signer, Signer = { StorePath = Path.GetTempPath() }, Directory = { Provider = DirectoryProvider.Postgres } };

        var result = _validator.Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("SmimePipeline:Directory:Postgres (a connection string) is required", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_identities_directory_and_password_file_are_named()
    {
        var missing = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"));
        var options = new SmimePipelineOptions
        {
            Roles = WorkerRoles.Signer,
            Signer = { StorePath = Path.GetTempPath(), IdentitiesPath = missing + "-identities" },
            Directory = { Provider = DirectoryProvider.Postgres, Postgres = "Host=localhost", PasswordFile = missing + "-password" },
        };

        var result = _validator.Validate(null, options);

        Assert.Contains($"SmimePipeline:Signer:IdentitiesPath '{missing}-identities' does not exist", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains($"SmimePipeline:Directory:PasswordFile '{missing}-password' does not exist", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_are_sqlite_strict_revocation_and_fail()
    {
        var options = new SmimePipelineOptions();

        Assert.Equal(DirectoryProvider.Sqlite, options.Directory.Provider);
        Assert.Equal(SmimePipeline.Cryptography.Certificates.RevocationPolicy.Strict, options.Directory.Revocation);
        Assert.Equal(SmimePipeline.Contracts.MissingCertificatePolicy.Fail, options.Signer.MissingCertificate);
        Assert.True(_validator.Validate(null, new SmimePipelineOptions { Roles = WorkerRoles.Signer, Signer = { StorePath = Path.GetTempPath() } }).Succeeded);
    }
}
