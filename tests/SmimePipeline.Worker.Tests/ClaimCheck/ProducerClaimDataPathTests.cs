using System.Buffers.Binary;
using Npgsql;
using SmimePipeline.Contracts;
using SmimePipeline.Messaging;
using SmimePipeline.Messaging.ProducerClaims;

namespace SmimePipeline.Worker.Tests.ClaimCheck;

/// <summary>
/// The producer claim's data path for megabyte values (issue 17, session 10): the store's prepared statements and 64 KB
/// socket buffers when the operator's connection string does not choose, the operator's choice kept when it does; the
/// claim of a ProtectEmail, now written in one array and read in place, byte for byte what it was (claims written by
/// producers of the previous version stay readable, and theirs by the new signers).
/// </summary>
public sealed class ProducerClaimDataPathTests
{
    [Fact]
    public void A_connection_string_that_says_nothing_gets_prepared_statements_and_64_KB_buffers()
    {
        const string connectionString = "Host=db.example;Username=smime;Database=claims";
        var settings = new NpgsqlConnectionStringBuilder(connectionString);

        PostgresProtectClaimStore.TuneForLargeValues(settings, connectionString);

        Assert.Equal(PostgresProtectClaimStore.AutoPreparedStatements, settings.MaxAutoPrepare);
        Assert.Equal(64 * 1024, settings.ReadBufferSize);
        Assert.Equal(64 * 1024, settings.WriteBufferSize);
        Assert.Equal("db.example", settings.Host);
    }

    [Theory]
    [InlineData("Host=db.example;Max Auto Prepare=0;Read Buffer Size=16384;Write Buffer Size=8192")]
    [InlineData("Host=db.example;MaxAutoPrepare=0;ReadBufferSize=16384;WriteBufferSize=8192")]
    public void The_operators_own_settings_are_kept_in_either_spelling(string connectionString)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);

        PostgresProtectClaimStore.TuneForLargeValues(settings, connectionString);

        Assert.Equal(0, settings.MaxAutoPrepare);
        Assert.Equal(16384, settings.ReadBufferSize);
        Assert.Equal(8192, settings.WriteBufferSize);
    }

    [Fact]
    public void Only_the_settings_the_operator_left_out_are_chosen()
    {
        const string connectionString = "Host=db.example;read buffer size=32768";
        var settings = new NpgsqlConnectionStringBuilder(connectionString);

        PostgresProtectClaimStore.TuneForLargeValues(settings, connectionString);

        Assert.Equal(32768, settings.ReadBufferSize);
        Assert.Equal(64 * 1024, settings.WriteBufferSize);
        Assert.Equal(PostgresProtectClaimStore.AutoPreparedStatements, settings.MaxAutoPrepare);
    }

    [Fact]
    public void A_ProtectEmail_claim_is_the_preamble_then_the_binary_body_as_before_and_reads_back_from_those_bytes()
    {
        var attachment = new byte[1_500 * 1024];
        new Random(17).NextBytes(attachment);
        var mail = new ProtectEmail
        {
            MailId = Guid.NewGuid(),
            From = new MailAddress("statements@bank.example"),
            To = [new MailAddress("client@example.org")],
            Subject = "Statement",
            TextBody = "Grüße",
            Attachments = [new MailAttachment("statement.pdf", "application/pdf", attachment)],
        };

        var claim = ProtectClaimContent.Write(mail);

        // The format of session 8: "SMPC", version 1, kind 1, the mail id big-endian, policy length 0, then the body.
        var body = ProtectEmailBinaryWriter.Write(mail);
        Assert.Equal(ProtectClaimContent.FixedPreambleBytes + body.Length, claim.Length);
        Assert.True(claim.AsSpan(0, 4).SequenceEqual("SMPC"u8));
        Assert.Equal(1, claim[4]);
        Assert.Equal(1, claim[5]);
        Assert.Equal(mail.MailId, new Guid(claim.AsSpan(6, 16), bigEndian: true));
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(claim.AsSpan(22, 2)));
        Assert.True(claim.AsSpan(ProtectClaimContent.FixedPreambleBytes).SequenceEqual(body));

        var read = Assert.IsType<ProtectEmail>(ProtectClaimContent.Read(claim, MessageSizeLimits.DefaultMaxMessageBytes));
        Assert.Equal(mail.MailId, read.MailId);
        Assert.Equal(mail.TextBody, read.TextBody);
        Assert.Equal(attachment, Assert.Single(read.Attachments).Content);
    }

    [Fact]
    public void A_ProtectEmail_claim_above_the_limit_is_refused_as_too_large_when_read_in_place()
    {
        var mail = new ProtectEmail
        {
            MailId = Guid.NewGuid(),
            From = new MailAddress("statements@bank.example"),
            To = [new MailAddress("client@example.org")],
            Subject = "Statement",
            Attachments = [new MailAttachment("statement.pdf", "application/pdf", new byte[1_500_000])],
        };

        var claim = ProtectClaimContent.Write(mail);

        // Above 100,000 bytes plus the largest manifest (1 MiB): refused before any payload is copied.
        Assert.Throws<ProtectCommandTooLargeException>(() => ProtectClaimContent.Read(claim, 100_000));
    }
}
