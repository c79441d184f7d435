using SmimePipeline.CertificateDirectory;
using SmimePipeline.CertificateDirectory.Dkim;
using SmimePipeline.Cryptography.Pkcs11;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Failures;

namespace SmimePipeline.Worker.Tests.Signing;

/// <summary>
/// <c>Signer:DirectoryUnavailableRetryPeriod</c> is validated like the token's period; only a transient directory failure
/// (and the token) is left to a long retry, and the harvest's DNS failure and the directory's carry their reason codes.
/// </summary>
public sealed class DirectoryUnavailableRetryTests
{
    [Theory]
    [InlineData("00:00:00.5")]
    [InlineData("00:20:01")]
    public void A_period_outside_one_second_to_twenty_minutes_is_refused_naming_the_setting(string period)
    {
        var options = new SmimePipelineOptions { Roles = WorkerRoles.Signer, Signer = { StorePath = Path.GetTempPath(), DirectoryUnavailableRetryPeriod = TimeSpan.Parse(period, System.Globalization.CultureInfo.InvariantCulture) } };

        var result = new SmimePipelineOptionsValidator().Validate(null, options);

        Assert.Contains("SmimePipeline:Signer:DirectoryUnavailableRetryPeriod must be between", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_period_is_five_minutes_and_passes_validation()
    {
        var options = new SmimePipelineOptions { Roles = WorkerRoles.Signer, Signer = { StorePath = Path.GetTempPath() } };

        Assert.Equal(TimeSpan.FromMinutes(5), options.Signer.DirectoryUnavailableRetryPeriod);
        Assert.True(new SmimePipelineOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Only_a_transient_directory_failure_and_the_token_are_waited_for()
    {
        var inner = new InvalidOperationException("driver");
        Assert.True(UnavailableBackoff.IsWaitedFor(new DirectoryUnavailableException("down", inner, isTransient: true)));
        Assert.True(UnavailableBackoff.IsWaitedFor(new Pkcs11UnavailableException()));
        Assert.False(UnavailableBackoff.IsWaitedFor(new DirectoryUnavailableException("no table", inner, isTransient: false)));
        Assert.False(UnavailableBackoff.IsWaitedFor(new DkimKeyUnavailableException()));
        Assert.False(UnavailableBackoff.IsWaitedFor(new InvalidOperationException()));
    }

    [Fact]
    public void Directory_and_DNS_failures_carry_their_reason_codes_and_are_retried_first()
    {
        var directory = FailureReason.Of(new DirectoryUnavailableException("PostgreSQL recipient directory db:5432/smime: could not look up", new InvalidOperationException(), isTransient: true));
        var dns = FailureReason.Of(new DkimKeyUnavailableException("DNS did not answer the DKIM key query for sel._domainkey.example.org: timeout"));

        Assert.Equal(("directory-unavailable", false), (directory.ReasonCode, directory.IsPermanent));
        Assert.Equal(("dkim-dns-unavailable", false), (dns.ReasonCode, dns.IsPermanent));
        Assert.Contains("db:5432/smime", directory.Reason, StringComparison.Ordinal);
    }
}
