using CsCheck;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SmimePipeline.Delivery.SparkPost;
using SmimePipeline.Testing.SparkPost;

namespace SmimePipeline.Delivery.Tests.SparkPost;

/// <summary>The Transmissions API client against the SparkPost fake that follows the documented contract.</summary>
public sealed class SparkPostTransportTests : IAsyncLifetime
{
    private SparkPostFake _fake = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _fake = await SparkPostFake.StartAsync();
        _services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task Sends_exactly_the_documented_request_and_keeps_the_transmission_id()
    {
        var mail = TestMails.Signed("bounces@bank.example", "to@example.org", "cc@example.org", "bcc@example.org");

        var receipt = await Transport().SendAsync(mail, CancellationToken.None);

        var request = Assert.Single(_fake.Requests);
        Assert.Equal(200, request.Status);
        Assert.Equal(_fake.ApiKey, request.Authorization);
        Assert.Equal("application/json", request.ContentType);
        var expected = new JsonObject
        {
            ["options"] = new JsonObject { ["open_tracking"] = false, ["click_tracking"] = false, ["transactional"] = true },
            ["metadata"] = new JsonObject { ["smime_mail_id"] = mail.MailId.ToString("D") },
            ["recipients"] = new JsonArray(
                new JsonObject { ["address"] = new JsonObject { ["email"] = "to@example.org" } },
                new JsonObject { ["address"] = new JsonObject { ["email"] = "cc@example.org" } },
                new JsonObject { ["address"] = new JsonObject { ["email"] = "bcc@example.org" } }),
            ["content"] = new JsonObject { ["email_rfc822"] = Encoding.UTF8.GetString(mail.Content.Span) },
        };
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(request.Body)), $"Request body differs: {Shorten(request.Body)}");
        // The MIME goes byte for byte: no dot-stuffing of the ".leading dot line", CRLF kept.
        var sentMime = JsonNode.Parse(request.Body)!["content"]!["email_rfc822"]!.GetValue<string>();
        Assert.Equal(mail.Content.ToArray(), Encoding.UTF8.GetBytes(sentMime));
        Assert.Contains("\r\n.leading dot line\r\n", sentMime, StringComparison.Ordinal);
        Assert.Equal(request.TransmissionId, receipt.ProviderMessageId);
        Assert.Equal("sparkpost", receipt.Provider);
        Assert.Equal(mail.EnvelopeTo, receipt.AcceptedRecipients);
    }

    [Theory]
    [InlineData(429, null, DeliveryFailureKind.Transient)]
    [InlineData(500, null, DeliveryFailureKind.Transient)]
    [InlineData(503, null, DeliveryFailureKind.Transient)]
    [InlineData(400, "1502", DeliveryFailureKind.Transient)]
    [InlineData(420, null, DeliveryFailureKind.Quota)]
    [InlineData(400, "2101", DeliveryFailureKind.Quota)]
    [InlineData(400, "2103", DeliveryFailureKind.Quota)]
    [InlineData(400, "1902", DeliveryFailureKind.Permanent)]
    [InlineData(400, "7001", DeliveryFailureKind.Permanent)]
    [InlineData(413, null, DeliveryFailureKind.Permanent)]
    [InlineData(415, null, DeliveryFailureKind.Permanent)]
    [InlineData(422, "3020", DeliveryFailureKind.Permanent)]
    [InlineData(403, null, DeliveryFailureKind.Configuration)]
    public async Task Classifies_injected_answers(int status, string? code, DeliveryFailureKind expected)
    {
        _fake.FailNext(1, status, code);

        var failure = await Assert.ThrowsAsync<DeliveryException>(() => Transport().SendAsync(TestMails.Signed("b@bank.example", "to@example.org"), CancellationToken.None));

        Assert.Equal(expected, failure.Kind);
        Assert.Equal("sparkpost", failure.Provider);
        Assert.StartsWith($"HTTP {status}", failure.ProviderResponse, StringComparison.Ordinal);
        if (code is not null)
        {
            Assert.Contains($"code {code}", failure.ProviderResponse, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_429_burst_then_acceptance()
    {
        _fake.FailNext(3, 429);
        var transport = Transport();
        var mail = TestMails.Signed("b@bank.example", "to@example.org");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(DeliveryFailureKind.Transient, (await Assert.ThrowsAsync<DeliveryException>(() => transport.SendAsync(mail, CancellationToken.None))).Kind);
        }

        var receipt = await transport.SendAsync(mail, CancellationToken.None);
        Assert.NotNull(receipt.ProviderMessageId);
        Assert.Equal([429, 429, 429, 200], _fake.Requests.Select(r => r.Status));
    }

    [Fact]
    public async Task A_400_whose_error_message_is_a_number_is_a_permanent_refusal_not_an_escape()
    {
        _fake.AnswerNext(400, Encoding.UTF8.GetBytes("{\"errors\":[{\"message\":5}]}"));

        var failure = await Assert.ThrowsAsync<DeliveryException>(() => Transport().SendAsync(TestMails.Signed("b@bank.example", "to@example.org"), CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.Permanent, failure.Kind);
        Assert.Equal("esp-rejected", failure.ReasonCode);
        Assert.Equal("HTTP 400: 5", failure.ProviderResponse);
        Assert.False(failure.MayHaveBeenAccepted);
    }

    [Fact]
    public async Task Any_answer_over_http_ends_in_a_receipt_or_a_classified_failure()
        => await Gen.Select(Gen.Int[200, 599], Classification.EspErrorClassifierPropertyTests.Body)
            .SampleAsync(async (status, body) =>
            {
                _fake.AnswerNext(status, body);
                try
                {
                    var receipt = await Transport().SendAsync(TestMails.Signed("b@bank.example", "to@example.org"), CancellationToken.None);
                    Assert.InRange(status, 200, 299);
                    Assert.False(string.IsNullOrEmpty(receipt.ProviderMessageId));
                }
                catch (DeliveryException failure)
                {
                    Assert.True(Enum.IsDefined(failure.Kind));
                    // A 2xx that cannot be read may be an acceptance: never "refused", always "outcome unknown".
                    var unknownOrRefusedByCount = (failure.MayHaveBeenAccepted && failure.Kind == DeliveryFailureKind.Transient) || failure.ReasonCode == "all-recipients-rejected";
                    Assert.True(
                        (status is >= 200 and < 300) == unknownOrRefusedByCount,
                        $"HTTP {status} gave {failure.Kind} {failure.ReasonCode} (may have been accepted: {failure.MayHaveBeenAccepted}): {failure.ProviderResponse}");
                }
            }, iter: 300, threads: 1);

    [Fact]
    public async Task A_wrong_api_key_is_a_configuration_error()
    {
        var failure = await Assert.ThrowsAsync<DeliveryException>(() => Transport(apiKey: "a-revoked-key").SendAsync(TestMails.Signed("b@bank.example", "to@example.org"), CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.Configuration, failure.Kind);
        Assert.Equal("HTTP 401: Unauthorized.", failure.ProviderResponse);
    }

    [Fact]
    public async Task A_refused_recipient_is_permanent_with_code_1902()
    {
        _fake.RefusedRecipients["suppressed@example.org"] = true;

        var failure = await Assert.ThrowsAsync<DeliveryException>(() => Transport().SendAsync(TestMails.Signed("b@bank.example", "suppressed@example.org"), CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.Permanent, failure.Kind);
        Assert.Equal("esp-rejected", failure.ReasonCode);
        Assert.Contains("code 1902", failure.ProviderResponse, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_slow_answer_times_out_as_transient()
    {
        _fake.AnswerDelay = TimeSpan.FromSeconds(5);

        var failure = await Assert.ThrowsAsync<DeliveryException>(() => Transport(timeout: TimeSpan.FromMilliseconds(300)).SendAsync(TestMails.Signed("b@bank.example", "to@example.org"), CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.Transient, failure.Kind);
        Assert.Equal("esp-timeout", failure.ReasonCode);
    }

    [Fact]
    public async Task An_oversize_mail_is_refused_before_calling_the_api()
    {
        var mail = TestMails.Signed("b@bank.example", "to@example.org");

        var failure = await Assert.ThrowsAsync<DeliveryException>(() => Transport(maxContentBytes: mail.Content.Length - 1).SendAsync(mail, CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.Permanent, failure.Kind);
        Assert.Equal("message-too-large", failure.ReasonCode);
        Assert.Empty(_fake.Requests);
    }

    [Fact]
    public async Task The_fake_rejects_what_SparkPost_rejects()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_fake.BaseUrl + "/") };
        async Task<(int Status, string Body)> PostAsync(string json, string contentType = "application/json")
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "transmissions") { Content = new StringContent(json, Encoding.UTF8) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
            request.Headers.TryAddWithoutValidation("Authorization", _fake.ApiKey);
            using var response = await http.SendAsync(request);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(422, (await PostAsync("""{"content":{"email_rfc822":"From: a@b.c\r\n\r\nx"}}""")).Status);
        Assert.Contains("1400", (await PostAsync("""{"recipients":[{"address":{"email":"a@b.c"}}]}""")).Body, StringComparison.Ordinal);
        Assert.Contains("1300", (await PostAsync("""{"recipients":[{"address":{"email":"not-an-address"}}],"content":{"email_rfc822":"From: a@b.c\r\n\r\nx"}}""")).Body, StringComparison.Ordinal);
        Assert.Equal(415, (await PostAsync("{}", "text/plain")).Status);
        Assert.Equal(200, (await PostAsync("""{"recipients":[{"address":{"email":"a@b.c"}}],"content":{"email_rfc822":"From: a@b.c\r\n\r\nx"}}""")).Status);
    }

    [Fact]
    public void Regions_have_their_documented_base_urls()
    {
        Assert.Equal("https://api.sparkpost.com/api/v1/", new SparkPostOptions().EffectiveBaseUrl.AbsoluteUri);
        Assert.Equal("https://api.eu.sparkpost.com/api/v1/", new SparkPostOptions { Region = SparkPostRegion.Eu }.EffectiveBaseUrl.AbsoluteUri);
    }

    [Fact]
    public async Task The_api_key_can_come_from_a_mounted_file()
    {
        using var directory = new Testing.TempDirectory();
        var keyFile = Path.Combine(directory.Path, "api-key");
        await File.WriteAllTextAsync(keyFile, _fake.ApiKey + "\n");
        var transport = new SparkPostTransport(
            _services.GetRequiredService<IHttpClientFactory>(),
            Options.Create(new SparkPostOptions { BaseUrl = _fake.BaseUrl, ApiKeyFile = keyFile }));

        await transport.SendAsync(TestMails.Signed("b@bank.example", "to@example.org"), CancellationToken.None);

        Assert.Equal(_fake.ApiKey, Assert.Single(_fake.Requests).Authorization);
    }

    private SparkPostTransport Transport(TimeSpan? timeout = null, long? maxContentBytes = null, string? apiKey = null) => new(
        _services.GetRequiredService<IHttpClientFactory>(),
        Options.Create(new SparkPostOptions
        {
            BaseUrl = _fake.BaseUrl,
            ApiKey = apiKey ?? _fake.ApiKey,
            Timeout = timeout ?? TimeSpan.FromSeconds(10),
            MaxContentBytes = maxContentBytes ?? 20_000_000,
        }));

    private static string Shorten(string body) => body.Length > 400 ? body[..400] + "…" : body;
}
