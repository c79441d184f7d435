using System.Collections.Concurrent;
using System.Text;
using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Client;
using SmimePipeline.Contracts;
using SmimePipeline.Messaging;
using SmimePipeline.Messaging.ProducerClaims;

namespace SmimePipeline.Worker.Tests.ClaimCheck;

/// <summary>
/// The client's side of the producer claim check (issue 17), on MassTransit's in-memory transport: a command whose mail
/// payload is above <see cref="SmimePipelineClientOptions.ClaimCheckThresholdBytes"/> goes to the store and only a
/// <see cref="ProtectCommandClaim"/> is sent; at or below it, with the threshold at 0 or without a store, the command
/// goes inline as before.
/// </summary>
public sealed class ProducerClaimPublisherTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<object> _received = new();
    private readonly InMemoryProtectClaimStore _store = new();
    private IBusControl _bus = null!;

    public async Task InitializeAsync()
    {
        _bus = Bus.Factory.CreateUsingInMemory(cfg =>
        {
            ProtectCommandWireFormat.AddProtectCommandBinaryFormats(cfg, 20_000_000);
            cfg.ReceiveEndpoint(QueueNames.Protect, e =>
            {
                e.Handler<ProtectEmail>(c => Received(c.Message));
                e.Handler<ProtectMimeMessage>(c => Received(c.Message));
                e.Handler<ProtectCommandClaim>(c => Received(c.Message));
            });
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _bus.StartAsync(timeout.Token);
    }

    public async Task DisposeAsync() => await _bus.StopAsync();

    [Fact]
    public async Task A_mail_above_the_threshold_travels_as_a_claim_that_holds_exactly_the_command()
    {
        var mail = Mail(attachmentBytes: 300_000);

        await Publisher(threshold: 262_144).ProtectAsync(mail);

        var claim = Assert.IsType<ProtectCommandClaim>(await NextAsync());
        Assert.Equal(mail.MailId, claim.MailId);
        Assert.True(ProtectClaimId.TryParse(claim.ClaimAddress, out var id, out _));
        var stored = await _store.LoadAsync(id, long.MaxValue, CancellationToken.None);
        Assert.NotNull(stored?.Content);
        Assert.Equal(claim.Length, stored.Content.LongLength);
        Assert.Equal(claim.Sha256, ProtectClaimContent.Sha256Hex(stored.Content));
        var read = Assert.IsType<ProtectEmail>(ProtectClaimContent.Read(stored.Content, 20_000_000));
        Assert.Equal(mail.MailId, read.MailId);
        Assert.Equal(mail.Attachments[0].Content, read.Attachments[0].Content);
    }

    [Fact]
    public async Task A_mime_message_above_the_threshold_travels_as_a_claim_with_its_policy()
    {
        var eml = Encoding.ASCII.GetBytes("From: a@bank.example\r\nTo: c@example.org\r\nSubject: s\r\n\r\n" + new string('x', 40_000) + "\r\n");
        var policy = new SecurityPolicy { Encrypt = false };

        var mailId = await Publisher(threshold: 16_384).ProtectMimeAsync(eml, policy);

        var claim = Assert.IsType<ProtectCommandClaim>(await NextAsync());
        Assert.Equal(mailId, claim.MailId);
        Assert.True(ProtectClaimId.TryParse(claim.ClaimAddress, out var id, out _));
        var stored = await _store.LoadAsync(id, long.MaxValue, CancellationToken.None);
        var read = Assert.IsType<ProtectMimeMessage>(ProtectClaimContent.Read(stored!.Content!, 20_000_000));
        Assert.Equal(eml, read.Message);
        Assert.Equal(policy, read.Policy);
    }

    [Theory]
    [InlineData(262_144, 262_144, true)]
    [InlineData(262_144, 262_145, false)]
    [InlineData(0, 1_000_000, true)]
    public async Task The_threshold_decides_inline_or_claim(int threshold, int payloadBytes, bool inline)
    {
        var mail = Mail(attachmentBytes: payloadBytes - 4);
        Assert.Equal(payloadBytes, SmimeMailPublisher.PayloadBytes(mail));

        await Publisher(threshold).ProtectAsync(mail);

        var received = await NextAsync();
        if (inline)
        {
            Assert.Equal(mail.MailId, Assert.IsType<ProtectEmail>(received).MailId);
            Assert.Equal(0, _store.Count);
        }
        else
        {
            Assert.Equal(mail.MailId, Assert.IsType<ProtectCommandClaim>(received).MailId);
            Assert.Equal(1, _store.Count);
        }
    }

    [Fact]
    public async Task Without_a_store_every_mail_goes_inline()
    {
        var mail = Mail(attachmentBytes: 500_000);
        var publisher = new SmimeMailPublisher(_bus, Options.Create(new SmimePipelineClientOptions()), largeMailLane: false, claimStore: null, TimeProvider.System);

        Assert.False(publisher.UsesClaimCheck(500_004));
        await publisher.ProtectAsync(mail);

        Assert.Equal(mail.MailId, Assert.IsType<ProtectEmail>(await NextAsync()).MailId);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(16_383, false)]
    [InlineData(0, true)]
    [InlineData(16_384, true)]
    public void The_threshold_is_0_or_at_least_16_KB(int threshold, bool valid)
    {
        var result = new SmimePipelineClientOptionsValidator().Validate(null, new SmimePipelineClientOptions { ClaimCheckThresholdBytes = threshold });

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("ClaimCheckThresholdBytes", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_broken_connection_string_is_refused_without_quoting_it()
    {
        var result = new SmimePipelineClientOptionsValidator().Validate(null, new SmimePipelineClientOptions { ClaimStorePostgresConnectionString = "Host=x;Passwort=hunter2;Bogus" });

        Assert.False(result.Succeeded);
        Assert.Contains("ClaimStorePostgresConnectionString", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_password_file_overrides_the_connection_string_and_a_missing_one_is_refused()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "from-the-secret\n");
            var options = new SmimePipelineClientOptions { ClaimStorePostgresConnectionString = "Host=pg;Username=producer;Password=inline", ClaimStorePostgresPasswordFile = file };

            Assert.Equal("from-the-secret", new Npgsql.NpgsqlConnectionStringBuilder(options.ResolveClaimStoreConnectionString()).Password);
            Assert.True(new SmimePipelineClientOptionsValidator().Validate(null, options).Succeeded);
        }
        finally
        {
            File.Delete(file);
        }

        var missing = new SmimePipelineClientOptionsValidator().Validate(null, new SmimePipelineClientOptions { ClaimStorePostgresPasswordFile = file });
        Assert.False(missing.Succeeded);
        Assert.Contains("ClaimStorePostgresPasswordFile", missing.FailureMessage, StringComparison.Ordinal);
    }

    private SmimeMailPublisher Publisher(int threshold) =>
        new(_bus, Options.Create(new SmimePipelineClientOptions { ClaimCheckThresholdBytes = threshold }), largeMailLane: false, _store, TimeProvider.System);

    private static ProtectEmail Mail(int attachmentBytes) => new()
    {
        MailId = Guid.NewGuid(),
        From = new MailAddress("a@bank.example"),
        To = [new MailAddress("c@example.org")],
        Subject = "s",
        TextBody = "text",
        Attachments = [new MailAttachment("a.bin", "application/octet-stream", new byte[attachmentBytes])],
    };

    private Task Received(object message)
    {
        _received.Enqueue(message);
        return Task.CompletedTask;
    }

    private async Task<object> NextAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        while (DateTime.UtcNow < deadline)
        {
            if (_received.TryDequeue(out var message))
            {
                return message;
            }

            await timer.WaitForNextTickAsync();
        }

        throw new TimeoutException("Nothing reached smime-protect within 60 s.");
    }
}
