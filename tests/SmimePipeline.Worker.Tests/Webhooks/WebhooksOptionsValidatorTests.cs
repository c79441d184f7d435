using SmimePipeline.Worker.Webhooks;

namespace SmimePipeline.Worker.Tests.Webhooks;

/// <summary>A webhooks role that cannot authenticate anyone does not start, and says which setting to fix.</summary>
public sealed class WebhooksOptionsValidatorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("smime-webhooks-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void No_secret_at_all_is_refused()
    {
        var result = new WebhooksOptionsValidator().Validate(null, new WebhooksOptions());
        Assert.True(result.Failed);
        Assert.Contains("RelayTokenFile", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_or_short_token_file_and_Basic_without_a_user_are_refused_by_name()
    {
        var shortFile = Path.Combine(_directory, "short");
        File.WriteAllText(shortFile, "tooshort\n");
        var result = new WebhooksOptionsValidator().Validate(null, new WebhooksOptions
        {
            RelayTokenFile = Path.Combine(_directory, "missing"),
            RawTokenFile = shortFile,
            EventsPasswordFile = shortFile,
        });
        Assert.Contains("RelayTokenFile", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("at least 16 characters", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("EventsUserName", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_is_compared_whole_and_a_rotated_file_takes_effect()
    {
        var file = Path.Combine(_directory, "token");
        File.WriteAllText(file, "first-token-0123456789\n");
        var secret = new WebhookSecret(file);
        Assert.True(secret.Matches("first-token-0123456789"));
        Assert.False(secret.Matches("first-token-012345678"));
        Assert.False(secret.Matches(null));

        File.WriteAllText(file, "second-token-0123456789");
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(5));
        Assert.True(secret.Matches("second-token-0123456789"));
        Assert.False(secret.Matches("first-token-0123456789"));
    }
}
