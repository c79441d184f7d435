using System.Text;
using SmimePipeline.Worker.Webhooks;

namespace SmimePipeline.Worker.Tests.Webhooks;

/// <summary>SparkPost relay batches, read as if an attacker wrote them.</summary>
public sealed class RelayBatchReaderTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_documented_entry_becomes_a_harvest_with_its_envelope_and_a_stable_id()
    {
        var mail = "From: a@b.example\r\n\r\nhi\r\n"u8.ToArray();
        var json = $$$$"""[{"msys":{"relay_message":{"content":{"email_rfc822":"{{{{Convert.ToBase64String(mail)}}}}","email_rfc822_is_base64":true,"subject":"x"},"msg_from":"a@b.example","rcpt_to":"certs@in.example","webhook_id":"1"}}}]""";
        var entry = Assert.Single(RelayBatchReader.Read(Encoding.UTF8.GetBytes(json), 1000, 10, Now));
        var harvest = Assert.IsType<SmimePipeline.Contracts.HarvestCertificate>(entry.Harvest);
        Assert.Equal(mail, harvest.Mail);
        Assert.Equal(("a@b.example", "certs@in.example", "sparkpost-relay"), (harvest.EnvelopeFrom, harvest.EnvelopeRecipient, harvest.Source));
        Assert.Equal(HarvestIntake.RequestIdFor(mail), harvest.RequestId);
    }

    [Theory]
    [InlineData("""[{"msys":{}}]""", "not-relay-message")]
    [InlineData("""[42]""", "not-relay-message")]
    [InlineData("""[{"msys":{"relay_message":{"content":{}}}}]""", "no-content")]
    [InlineData("""[{"msys":{"relay_message":{"content":{"email_rfc822":""}}}}]""", "no-content")]
    [InlineData("""[{"msys":{"relay_message":{"content":{"email_rfc822":"x","email_rfc822_is_base64":"yes"}}}}]""", "no-content")]
    [InlineData("""[{"msys":{"relay_message":{"content":{"email_rfc822":"%%%","email_rfc822_is_base64":true}}}}]""", "bad-base64")]
    [InlineData("""[{"msys":{"relay_message":{"content":{"email_rfc822":"Subject: x\r\n\r\nyyyyyyyyyyyyyyyyyyyy"}}}}]""", "too-large")]
    [InlineData("""[{"msys":{"relay_message":{"content":{"email_rfc822":"x"},"msg_from":"a@b\r\nX-Injected: 1"}}}]""", "bad-envelope")]
    [InlineData("""[{"msys":{"relay_message":{"content":{"email_rfc822":"x"},"rcpt_to":["a@b.example"]}}}]""", "bad-envelope")]
    public void A_bad_entry_is_dropped_with_its_reason(string json, string reason)
    {
        var entry = Assert.Single(RelayBatchReader.Read(Encoding.UTF8.GetBytes(json), 20, 10, Now));
        Assert.Null(entry.Harvest);
        Assert.Equal(reason, entry.DropReason);
    }

    [Theory]
    [InlineData("[{", 400)]
    [InlineData("{\"msys\":{}}", 400)]
    [InlineData("[{},{},{}]", 413)]
    public void A_request_that_is_not_a_batch_is_refused_whole(string json, int status)
    {
        var refused = Assert.Throws<RelayBatchException>(() => RelayBatchReader.Read(Encoding.UTF8.GetBytes(json), 1000, 2, Now));
        Assert.Equal(status, refused.StatusCode);
    }
}
