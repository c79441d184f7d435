using System.Text.Json;

namespace SmimePipeline.Testing.SparkPost;

/// <summary>
/// A SparkPost Inbound Relay Webhook batch as SparkPost documents it: a JSON array of
/// <c>{"msys":{"relay_message":{"content":{"email_rfc822", "email_rfc822_is_base64", …}, "msg_from", "rcpt_to",
/// "customer_id", "friendly_from", "protocol", "webhook_id"}}}</c>.
/// </summary>
public static class RelayBatch
{
    /// <summary>One relay message of a batch.</summary>
    /// <param name="Mail">The received mail.</param>
    /// <param name="MsgFrom">The envelope sender.</param>
    /// <param name="RcptTo">The envelope recipient.</param>
    /// <param name="Base64">Whether SparkPost base64-encoded it (it does for 8-bit or binary content).</param>
    public sealed record Message(byte[] Mail, string MsgFrom, string RcptTo, bool Base64 = true);

    /// <summary>The batch's JSON text.</summary>
    public static string Create(params Message[] messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var batch = messages.Select(m => new Dictionary<string, object>
        {
            ["msys"] = new Dictionary<string, object>
            {
                ["relay_message"] = new Dictionary<string, object>
                {
                    ["content"] = new Dictionary<string, object>
                    {
                        ["email_rfc822"] = m.Base64 ? Convert.ToBase64String(m.Mail) : System.Text.Encoding.UTF8.GetString(m.Mail),
                        ["email_rfc822_is_base64"] = m.Base64,
                        ["headers"] = Array.Empty<object>(),
                        ["html"] = "",
                        ["subject"] = "",
                        ["text"] = "",
                        ["to"] = new[] { m.RcptTo },
                    },
                    ["customer_id"] = "1337",
                    ["friendly_from"] = m.MsgFrom,
                    ["msg_from"] = m.MsgFrom,
                    ["protocol"] = "smtp",
                    ["rcpt_to"] = m.RcptTo,
                    ["webhook_id"] = "639b5cff7355c5bc",
                },
            },
        });
        return JsonSerializer.Serialize(batch);
    }
}
