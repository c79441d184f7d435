using SmimePipeline.Testing.SparkPost;
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
    public void The_default_hand_over_timeout_answers_inside_SparkPosts_10_s_and_10_s_or_more_is_refused_by_name()
    {
        // Session 23: the default was 30 s, so a batch the ledger held for 10-30 s was answered after SparkPost had stopped
        // listening, and counted failed there.
        var token = Path.Combine(_directory, "token");
        File.WriteAllText(token, "a-token-of-enough-length-0123\n");
        Assert.True(new WebhooksOptions().HandOverTimeout < SparkPostFake.WebhookTimeout);
        Assert.False(new WebhooksOptionsValidator().Validate(null, new WebhooksOptions { EventsUserName = "sparkpost", EventsPasswordFile = token }).Failed);

        foreach (var sparkPost in new[]
        {
            new WebhooksOptions { EventsUserName = "sparkpost", EventsPasswordFile = token, HandOverTimeout = TimeSpan.FromSeconds(10) },
            new WebhooksOptions { RelayTokenFile = token, HandOverTimeout = TimeSpan.FromSeconds(30) },
        })
        {
            var refused = new WebhooksOptionsValidator().Validate(null, sparkPost);
            Assert.True(refused.Failed);
            Assert.Contains("SmimePipeline:Webhooks:HandOverTimeout", refused.FailureMessage, StringComparison.Ordinal);
            Assert.Contains("SparkPost's 10 s", refused.FailureMessage, StringComparison.Ordinal);
        }

        // The raw endpoint's callers (a Postfix pipe, another provider's route) set their own limits.
        Assert.False(new WebhooksOptionsValidator().Validate(null, new WebhooksOptions { RawTokenFile = token, HandOverTimeout = TimeSpan.FromSeconds(30) }).Failed);
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
