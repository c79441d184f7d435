using System.Text.Json;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;
using SmimePipeline.Testing.SparkPost;

namespace SmimePipeline.IntegrationTests.Cli;

/// <summary>
/// <c>smime webhooks register</c> and <c>smime webhooks list</c> as a real process against the SparkPost fake,
/// which follows SparkPost's documented set-up API (inbound domains, relay webhooks, event webhooks).
/// </summary>
public sealed class WebhooksCommandTests : IAsyncLifetime, IDisposable
{
    private const string ApiKey = "sparkpost-setup-key-0123456789abcdef";
    private const string RelayToken = "relay-token-0123456789abcdef";
    private const string EventsPassword = "events-password-0123456789";
    private const string Target = "https://webhooks.bank.example";
    private readonly TempDirectory _temp = new();
    private SparkPostFake _fake = null!;
    private string _keyFile = null!;
    private string _relayTokenFile = null!;
    private string _eventsPasswordFile = null!;

    public async Task InitializeAsync()
    {
        _fake = await SparkPostFake.StartAsync(ApiKey);
        _keyFile = Path.Combine(_temp.Path, "sparkpost-key");
        await File.WriteAllTextAsync(_keyFile, ApiKey + "\n");
        _relayTokenFile = Path.Combine(_temp.Path, "relay-token");
        await File.WriteAllTextAsync(_relayTokenFile, RelayToken + "\n");
        _eventsPasswordFile = Path.Combine(_temp.Path, "events-password");
        await File.WriteAllTextAsync(_eventsPasswordFile, EventsPassword);
    }

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Register_creates_the_inbound_domain_the_relay_webhook_and_the_event_webhook_then_a_rerun_changes_nothing()
    {
        var first = await RegisterAsync("--inbound-domain", "Certs.Bank.Example");

        Assert.True(first.ExitCode == 0, first.Describe());
        Assert.Equal(["certs.bank.example"], _fake.Webhooks.InboundDomains);
        var relay = Assert.Single(_fake.Webhooks.RelayWebhooks);
        Assert.Equal("smime-harvest", relay["name"]!.GetValue<string>());
        Assert.Equal($"{Target}/webhooks/sparkpost/relay", relay["target"]!.GetValue<string>());
        Assert.Equal(RelayToken, relay["auth_token"]!.GetValue<string>());
        Assert.Equal("SMTP", relay["match"]!["protocol"]!.GetValue<string>());
        Assert.Equal("certs.bank.example", relay["match"]!["domain"]!.GetValue<string>());

        var events = Assert.Single(_fake.Webhooks.EventWebhooks);
        Assert.Equal($"{Target}/webhooks/sparkpost/events", events["target"]!.GetValue<string>());
        Assert.Equal("basic", events["auth_type"]!.GetValue<string>());
        Assert.Equal("sparkpost", events["auth_credentials"]!["username"]!.GetValue<string>());
        Assert.Equal(EventsPassword, events["auth_credentials"]!["password"]!.GetValue<string>());
        Assert.Equal(
            ["bounce", "delay", "delivery", "out_of_band", "policy_rejection", "spam_complaint"],
            events["events"]!.AsArray().Select(e => e!.GetValue<string>()).Order(StringComparer.Ordinal));

        Assert.All(_fake.Webhooks.Requests, r => Assert.Equal(ApiKey, r.Authorization));
        Assert.Contains("inbound domain certs.bank.example: created", first.StdoutText, StringComparison.Ordinal);
        Assert.Contains("relay webhook smime-harvest", first.StdoutText, StringComparison.Ordinal);
        AssertNoSecret(first);

        // Again: the domain exists (SparkPost answers 409), both webhooks exist; nothing is created twice.
        var again = await RegisterAsync("--inbound-domain", "certs.bank.example", "--json");

        Assert.True(again.ExitCode == 0, again.Describe());
        Assert.Single(_fake.Webhooks.RelayWebhooks);
        Assert.Single(_fake.Webhooks.EventWebhooks);
        using var report = JsonDocument.Parse(again.Stdout);
        Assert.Equal("exists", report.RootElement.GetProperty("inboundDomain").GetProperty("status").GetString());
        Assert.Equal("exists", report.RootElement.GetProperty("relayWebhook").GetProperty("status").GetString());
        Assert.Equal("exists", report.RootElement.GetProperty("eventWebhook").GetProperty("status").GetString());
        AssertNoSecret(again);
    }

    [Fact]
    public async Task An_existing_inbound_domain_is_used_as_it_is()
    {
        _fake.Webhooks.AddInboundDomain("certs.bank.example");

        var result = await RegisterAsync("--inbound-domain", "certs.bank.example");

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Contains("inbound domain certs.bank.example: exists already", result.StdoutText, StringComparison.Ordinal);
        Assert.Single(_fake.Webhooks.RelayWebhooks);
    }

    [Fact]
    public async Task Without_an_inbound_domain_only_the_event_webhook_is_created()
    {
        var result = await RegisterAsync();

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Empty(_fake.Webhooks.InboundDomains);
        Assert.Empty(_fake.Webhooks.RelayWebhooks);
        Assert.Single(_fake.Webhooks.EventWebhooks);
    }

    [Fact]
    public async Task A_key_sparkpost_refuses_fails_naming_the_key_file_and_creates_nothing()
    {
        await File.WriteAllTextAsync(_keyFile, "a-revoked-key-0123456789");

        var result = await RegisterAsync("--inbound-domain", "certs.bank.example");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("SparkPost refused the API key", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(_keyFile, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("a-revoked-key-0123456789", result.StdoutText + result.Stderr, StringComparison.Ordinal);
        Assert.Empty(_fake.Webhooks.InboundDomains);
        Assert.Empty(_fake.Webhooks.RelayWebhooks);
        Assert.Empty(_fake.Webhooks.EventWebhooks);
    }

    [Fact]
    public async Task A_plain_http_target_a_short_token_and_a_missing_relay_token_are_refused_before_sparkpost_is_called()
    {
        var http = await SmimeCli.RunAsync(Arguments("--target", "http://webhooks.bank.example", "--events-password-file", _eventsPasswordFile));
        Assert.Equal(1, http.ExitCode);
        Assert.Contains("--target http://webhooks.bank.example: must be an absolute https:// URL", http.Stderr, StringComparison.Ordinal);

        var shortToken = Path.Combine(_temp.Path, "short");
        await File.WriteAllTextAsync(shortToken, "short");
        var tooShort = await SmimeCli.RunAsync(Arguments("--target", Target, "--events-password-file", _eventsPasswordFile, "--inbound-domain", "certs.bank.example", "--relay-token-file", shortToken));
        Assert.Equal(1, tooShort.ExitCode);
        Assert.Contains($"--relay-token-file {shortToken}: holds fewer than 16 characters", tooShort.Stderr, StringComparison.Ordinal);

        var noRelayToken = await SmimeCli.RunAsync(Arguments("--target", Target, "--events-password-file", _eventsPasswordFile, "--inbound-domain", "certs.bank.example"));
        Assert.Equal(1, noRelayToken.ExitCode);
        Assert.Contains("--relay-token-file is required with --inbound-domain", noRelayToken.Stderr, StringComparison.Ordinal);

        Assert.Empty(_fake.Webhooks.Requests);
    }

    [Fact]
    public async Task List_shows_both_webhooks_without_their_tokens_or_credentials()
    {
        Assert.Equal(0, (await RegisterAsync("--inbound-domain", "certs.bank.example")).ExitCode);

        var text = await SmimeCli.RunAsync(["webhooks", "list", "--sparkpost-key-file", _keyFile, "--sparkpost-url", _fake.BaseUrl.ToString()]);
        var json = await SmimeCli.RunAsync(["webhooks", "list", "--sparkpost-key-file", _keyFile, "--sparkpost-url", _fake.BaseUrl.ToString(), "--json"]);

        Assert.True(text.ExitCode == 0, text.Describe());
        Assert.Contains($"certs.bank.example -> {Target}/webhooks/sparkpost/relay  (auth token set)", text.StdoutText, StringComparison.Ordinal);
        Assert.Contains("auth basic  events delivery,bounce,delay,out_of_band,policy_rejection,spam_complaint", text.StdoutText, StringComparison.Ordinal);
        AssertNoSecret(text);
        Assert.True(json.ExitCode == 0, json.Describe());
        using var document = JsonDocument.Parse(json.Stdout);
        Assert.Equal("smime-harvest", document.RootElement.GetProperty("relayWebhooks")[0].GetProperty("name").GetString());
        Assert.Equal("smime-fates", document.RootElement.GetProperty("eventWebhooks")[0].GetProperty("name").GetString());
        AssertNoSecret(json);
    }

    private Task<ToolResult> RegisterAsync(params string[] extra) =>
        SmimeCli.RunAsync(Arguments(["--target", Target, "--relay-token-file", _relayTokenFile, "--events-password-file", _eventsPasswordFile, .. extra]));

    private string[] Arguments(params string[] extra) =>
        ["webhooks", "register", "--sparkpost-key-file", _keyFile, "--sparkpost-url", _fake.BaseUrl.ToString(), .. extra];

    private static void AssertNoSecret(ToolResult result)
    {
        foreach (var secret in new[] { ApiKey, RelayToken, EventsPassword })
        {
            Assert.DoesNotContain(secret, result.StdoutText + result.Stderr, StringComparison.Ordinal);
        }
    }
}
