using System.Security.Cryptography;
using System.Text;

namespace SmimePipeline.Delivery.Tests;

/// <summary>Messages shaped like what the signer produces: multipart/signed, CRLF, long base64 lines.</summary>
internal static class TestMails
{
    public static OutgoingMail Signed(string envelopeFrom, params string[] envelopeTo)
        => new(Guid.NewGuid(), envelopeFrom, envelopeTo, SignedLookingMessage());

    public static byte[] SignedLookingMessage()
    {
        var body = Convert.ToBase64String(RandomNumberGenerator.GetBytes(3000));
        var signature = Convert.ToBase64String(RandomNumberGenerator.GetBytes(1500));
        var text = new StringBuilder()
            // Header fields the way other software writes them: odd spacing and a folded value
            // that a re-serialiser would be tempted to normalise.
            .Append("From: \"Bank Statements\" <statements@bank.example>\r\n")
            .Append("To: header-recipient@example.org\r\n")
            .Append("Subject:   Your statement,\r\n\tfolded with a tab\r\n")
            .Append("Message-ID: <").Append(Guid.NewGuid().ToString("N")).Append("@bank.example>\r\n")
            .Append("MIME-Version: 1.0\r\n")
            .Append("Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";\r\n micalg=sha-256; boundary=\"=-sig-boundary-42\"\r\n")
            .Append("\r\n")
            .Append("This is a cryptographically signed message in MIME format.\r\n")
            .Append("\r\n")
            .Append("--=-sig-boundary-42\r\n")
            .Append("Content-Type: text/plain; charset=utf-8\r\n")
            .Append("Content-Transfer-Encoding: base64\r\n")
            .Append("\r\n");
        // 76-character lines as RFC 2045 asks, then one 600-character line (legal: SMTP allows 998).
        for (var i = 0; i < body.Length; i += 76)
        {
            text.Append(body, i, Math.Min(76, body.Length - i)).Append("\r\n");
        }

        text.Append(signature, 0, 600).Append("\r\n")
            // A line starting with a dot: SMTP dot-stuffing must be undone by the server.
            .Append(".leading dot line\r\n")
            .Append("\r\n")
            .Append("--=-sig-boundary-42\r\n")
            .Append("Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n")
            .Append("Content-Transfer-Encoding: base64\r\n")
            .Append("Content-Disposition: attachment; filename=\"smime.p7s\"\r\n")
            .Append("\r\n");
        for (var i = 0; i < signature.Length; i += 64)
        {
            text.Append(signature, i, Math.Min(64, signature.Length - i)).Append("\r\n");
        }

        text.Append("\r\n--=-sig-boundary-42--\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    /// <summary>An address nobody else uses, so parallel tests can find their own message in the sink.</summary>
    public static string UniqueAddress(string local) => $"{local}-{Guid.NewGuid():N}@example.org";
}
