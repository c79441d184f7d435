using MimeKit;

namespace SmimePipeline.Cryptography.Mime;

/// <summary>
/// Header protection (RFC 9788): copies the protected header fields onto the root of the cryptographic
/// payload, marks it with the <c>hp</c> Content-Type parameter, and records obscured outer values in
/// <c>HP-Outer</c> fields (RFC 9788 §2.2.1) so the recipient's client can tell what was replaced.
/// </summary>
public static class HeaderProtection
{
    /// <summary>The header fields that travel inside (From, To, Cc, Subject, Date, Message-ID, Reply-To).</summary>
    public static IReadOnlyList<HeaderId> ProtectedHeaders { get; } =
        [HeaderId.From, HeaderId.To, HeaderId.Cc, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId, HeaderId.ReplyTo];

    /// <summary>Adds the protected headers of <paramref name="message"/> to its body entity.</summary>
    /// <param name="message">The message; its Date and Message-ID must already be set.</param>
    /// <param name="encrypted"><see langword="true"/> gives <c>hp="cipher"</c>, else <c>hp="clear"</c> (RFC 9788 §2.1.1).</param>
    /// <param name="obscuredSubject">The outer Subject when it is replaced, else <see langword="null"/>.</param>
    public static void Apply(MimeMessage message, bool encrypted, string? obscuredSubject)
    {
        ArgumentNullException.ThrowIfNull(message);
        var body = message.Body ?? throw new ArgumentException("The message has no body.", nameof(message));

        // Idempotent: a retried protect of the same message object must not stack a second copy.
        foreach (var id in ProtectedHeaders)
        {
            body.Headers.RemoveAll(id);
        }

        body.Headers.RemoveAll("HP-Outer");
        foreach (var id in ProtectedHeaders)
        {
            foreach (var header in message.Headers.Where(h => h.Id == id))
            {
                body.Headers.Add(header.Clone());
            }
        }

        body.ContentType.Parameters["hp"] = encrypted ? "cipher" : "clear";
        if (encrypted)
        {
            // RFC 9788 §2.2.1: HP-Outer lists the outer value of every protected field as it is sent.
            foreach (var id in ProtectedHeaders)
            {
                foreach (var header in message.Headers.Where(h => h.Id == id))
                {
                    string value = id == HeaderId.Subject && obscuredSubject is not null ? obscuredSubject : header.Value.Trim();
                    body.Headers.Add("HP-Outer", $"{header.Field}: {value}");
                }
            }
        }
    }
}
