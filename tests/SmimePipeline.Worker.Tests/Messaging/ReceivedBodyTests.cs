using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using MassTransit.Serialization;
using SmimePipeline.Contracts;
using SmimePipeline.Messaging;

namespace SmimePipeline.Worker.Tests.Messaging;

/// <summary>
/// A binary command read from RabbitMQ's delivery (issue 17, session 17): a <c>ProtectEmail</c> is read from the delivery's
/// memory in place, without MassTransit's copy of the whole body, and keeps nothing of that memory, which the transport
/// reuses for the next delivery; a <c>ProtectMimeMessage</c>, which keeps its bytes, still gets its own copy.
/// </summary>
public sealed class ReceivedBodyTests
{
    private const int Max = 1_000_000;
    private const int Offset = 16;
    private static readonly Guid MailId = Guid.Parse("7a3c2e1f-5b4d-4c6e-9f8a-1b2c3d4e5f60");

    [Fact]
    public void RabbitMQs_body_is_read_in_place_not_copied()
    {
        // Fails when a MassTransit upgrade renames MemoryMessageBody's field: the reader then copies every body again.
        var delivery = new byte[100];

        var memory = ReceivedBody.Memory(new MemoryMessageBody(delivery.AsMemory(Offset, 50)));

        Assert.True(MemoryMarshal.TryGetArray(memory, out var segment));
        Assert.Same(delivery, segment.Array);
        Assert.Equal(Offset, segment.Offset);
        Assert.Equal(50, segment.Count);
    }

    [Fact]
    public void A_ProtectEmail_read_in_place_keeps_nothing_of_the_delivery_buffer()
    {
        var mail = new ProtectEmail
        {
            MailId = MailId,
            From = new MailAddress("statements@bank.example", "Bänk"),
            To = [new MailAddress("zoë@example.org")],
            Subject = "Ihr Auszug ✓",
            TextBody = "Grüße\r\n",
            HtmlBody = "<p>Grüße</p>",
            Attachments = [new MailAttachment("auszug.pdf", "application/pdf", [.. Enumerable.Range(0, 30_000).Select(i => (byte)i)])],
            Headers = new Dictionary<string, string> { ["X-Customer-Ref"] = "4711" },
        };
        var delivery = Delivery(ProtectEmailBinaryWriter.Write(mail));

        var context = new ProtectEmailBinarySerializer(Max).Deserialize(
            new MemoryMessageBody(delivery.AsMemory(Offset)), Headers(ProtectCommandBinaryFormat.MailIdHeader, MailId.ToString("D")));
        Assert.True(context.TryGetMessage<ProtectEmail>(out var read));
        Array.Fill(delivery, (byte)0xAA); // the transport's next delivery into the same buffer

        Assert.Equal(JsonSerializer.Serialize(mail), JsonSerializer.Serialize(read));
    }

    [Fact]
    public void A_ProtectMimeMessage_keeps_its_own_copy_of_the_delivery()
    {
        var eml = Encoding.UTF8.GetBytes("From: a@b.example\r\nTo: c@d.example\r\nSubject: x\r\n\r\nbody\r\n");
        var delivery = Delivery(eml);

        var context = new ProtectMimeMessageBinarySerializer(Max).Deserialize(
            new MemoryMessageBody(delivery.AsMemory(Offset)),
            new TableHeaders(new()
            {
                [ProtectCommandBinaryFormat.MailIdHeader] = MailId.ToString("D"),
                [ProtectCommandBinaryFormat.PolicyHeader] = JsonSerializer.Serialize(SecurityPolicy.SignAndEncrypt, ProtectCommandJsonContext.Default.SecurityPolicy),
            }));
        Assert.True(context.TryGetMessage<ProtectMimeMessage>(out var read));
        Array.Fill(delivery, (byte)0xAA);

        Assert.Equal(eml, read!.Message);
    }

    // The command's bytes at an offset in a larger buffer, as a transport's receive buffer holds a delivery.
    private static byte[] Delivery(byte[] body)
    {
        var buffer = new byte[Offset + body.Length];
        body.CopyTo(buffer, Offset);
        return buffer;
    }

    private static TableHeaders Headers(string name, string value) => new(new() { [name] = value });
}
