using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MassTransit;
using SmimePipeline.Contracts;

namespace SmimePipeline.Messaging.ProducerClaims;

/// <summary>
/// The bytes of a producer claim: a fixed preamble, then exactly the body the binary format sends today
/// (<see cref="ProtectCommandBinaryFormat"/>). The preamble carries what the binary format puts in transport headers, so
/// that the signer reads a claimed command with the same serializers, the same header rules and the same size limits
/// as one that came inline:
/// <list type="bullet">
/// <item>4 bytes <c>SMPC</c>, 1 byte version (1), 1 byte command (1 = <c>ProtectEmail</c>, 2 = <c>ProtectMimeMessage</c>);</item>
/// <item>16 bytes the mail id (big-endian GUID);</item>
/// <item>2 bytes big-endian length of the policy header, then that many UTF-8 bytes (only a <c>ProtectMimeMessage</c>
/// has one: the <c>smime-policy</c> header; a <c>ProtectEmail</c> carries its policy in its manifest);</item>
/// <item>the body.</item>
/// </list>
/// The SHA-256 and the length on the bus cover all of it, mail id included.
/// </summary>
public static class ProtectClaimContent
{
    /// <summary>The bytes before the policy: magic, version, command, mail id, policy length.</summary>
    public const int FixedPreambleBytes = 4 + 1 + 1 + 16 + 2;

    /// <summary>The largest claim beyond the limit on the mail itself: the largest manifest and the longest policy header.</summary>
    public const int MaxOverheadBytes = FixedPreambleBytes + ProtectCommandBinaryFormat.MaxPolicyHeaderLength
        + ProtectCommandBinaryFormat.ManifestLengthBytes + ProtectCommandBinaryFormat.MaxManifestBytes;

    private const int MailIdOffset = 4 + 1 + 1;
    private const byte Version = 1;
    private const byte ProtectEmailKind = 1;
    private const byte ProtectMimeMessageKind = 2;
    private static readonly byte[] Magic = "SMPC"u8.ToArray();
    private static readonly ProtectMimeMessageBinarySerializer ProtectMimeMessageSerializer = new();

    /// <summary>The claim of <paramref name="mail"/>.</summary>
    /// <exception cref="System.Runtime.Serialization.SerializationException">A field cannot be written (named).</exception>
    public static byte[] Write(ProtectEmail mail)
    {
        ArgumentNullException.ThrowIfNull(mail);
        // The body is written behind room for the preamble: a 1.5 MB attachment is copied once, not twice.
        var content = ProtectEmailBinaryWriter.Write(mail, FixedPreambleBytes);
        WritePreamble(content, ProtectEmailKind, mail.MailId, policyLength: 0);
        return content;
    }

    /// <summary>
    /// The claim of <paramref name="mail"/> in a pooled array (<see cref="ProtectClaimBuffer"/>: dispose it, which clears
    /// it, once the store has taken the content): what the producer sends, without a new array of the mail's size per claim.
    /// </summary>
    /// <exception cref="System.Runtime.Serialization.SerializationException">A field cannot be written (named).</exception>
    public static ProtectClaimBuffer WritePooled(ProtectEmail mail)
    {
        ArgumentNullException.ThrowIfNull(mail);
        var content = ProtectEmailBinaryWriter.WritePooled(mail, FixedPreambleBytes, out int length);
        WritePreamble(content, ProtectEmailKind, mail.MailId, policyLength: 0);
        return ProtectClaimBuffer.Rented(content, length);
    }

    /// <summary>The claim of <paramref name="mail"/>.</summary>
    public static byte[] Write(ProtectMimeMessage mail)
    {
        ArgumentNullException.ThrowIfNull(mail);
        var policy = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(mail.Policy, ProtectCommandJsonContext.Default.SecurityPolicy));
        return Compose(ProtectMimeMessageKind, mail.MailId, policy, mail.Message ?? []);
    }

    /// <summary>The SHA-256 of <paramref name="content"/> as the bus carries it: 64 lower-case hexadecimal digits.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>
    /// The command a claim holds, read by the same binary serializers as an inline command: a <see cref="ProtectEmail"/>
    /// or a <see cref="ProtectMimeMessage"/>.
    /// </summary>
    /// <param name="content">The claim's bytes.</param>
    /// <param name="maxMessageBytes"><c>SmimePipeline:MaxMessageBytes</c>, enforced as for an inline command.</param>
    /// <exception cref="ProtectCommandFormatException">The preamble, a header or the body breaks a rule; the message names it.</exception>
    /// <exception cref="ProtectCommandTooLargeException">The body is above the size limit.</exception>
    public static object Read(ReadOnlySpan<byte> content, int maxMessageBytes)
    {
        const string Claim = "producer claim";
        if (content.Length < FixedPreambleBytes)
        {
            throw new ProtectCommandFormatException(Claim, $"is {content.Length} bytes long: it ends inside the {FixedPreambleBytes}-byte preamble");
        }

        if (!content[..4].SequenceEqual(Magic) || content[4] != Version)
        {
            throw new ProtectCommandFormatException(Claim, $"does not start with the preamble SMPC version {Version}");
        }

        var kind = content[5];
        if (kind is not ProtectEmailKind and not ProtectMimeMessageKind)
        {
            throw new ProtectCommandFormatException(Claim, $"names an unknown command ({kind})");
        }

        var mailId = new Guid(content.Slice(MailIdOffset, 16), bigEndian: true);
        var policyLength = BinaryPrimitives.ReadUInt16BigEndian(content.Slice(22, 2));
        if (policyLength > ProtectCommandBinaryFormat.MaxPolicyHeaderLength || FixedPreambleBytes + policyLength > content.Length)
        {
            throw new ProtectCommandFormatException(Claim, $"declares a policy of {policyLength} bytes, above the limit of {ProtectCommandBinaryFormat.MaxPolicyHeaderLength} or beyond its end");
        }

        if (kind == ProtectEmailKind && policyLength != 0)
        {
            throw new ProtectCommandFormatException(Claim, "of a ProtectEmail carries a policy header (its policy belongs in the manifest)");
        }

        if (kind == ProtectEmailKind)
        {
            // What ProtectEmailBinarySerializer runs for this body, read in place: no copy of the body into an array of
            // its own first (its only other step, the mail id header, is the preamble's id here).
            return ProtectEmailBinaryReader.Read(content[FixedPreambleBytes..], mailId, maxMessageBytes);
        }

        var headers = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            [ProtectCommandBinaryFormat.MailIdHeader] = mailId.ToString("D"),
        };
        if (policyLength > 0)
        {
            string policy;
            try
            {
                policy = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(content.Slice(FixedPreambleBytes, policyLength));
            }
            catch (DecoderFallbackException)
            {
                throw new ProtectCommandFormatException(Claim, "has a policy that is not UTF-8");
            }

            headers[ProtectCommandBinaryFormat.PolicyHeader] = policy;
        }

        var body = new BytesMessageBody(content[(FixedPreambleBytes + policyLength)..].ToArray());
        var serialized = ProtectMimeMessageSerializer.Deserialize(body, new ClaimHeaders(headers));
        return serialized.TryGetMessage<object>(out var message) && message is not null
            ? message
            : throw new ProtectCommandFormatException(Claim, "holds no command");
    }

    /// <summary>
    /// The mail id the preamble of <paramref name="content"/> names (all a consumed claim keeps besides its digest:
    /// <see cref="IProtectClaimStore.MarkConsumedAsync"/>); <see cref="Guid.Empty"/> when it is shorter than the preamble.
    /// </summary>
    public static Guid MailIdOf(ReadOnlySpan<byte> content) =>
        content.Length >= FixedPreambleBytes ? new Guid(content.Slice(MailIdOffset, 16), bigEndian: true) : Guid.Empty;

    /// <summary>Whether <paramref name="content"/> holds a <see cref="ProtectEmail"/> (for tests and tools); false for anything else.</summary>
    public static bool HoldsProtectEmail(ReadOnlySpan<byte> content) =>
        content.Length >= FixedPreambleBytes && content[5] == ProtectEmailKind;

    private static byte[] Compose(byte kind, Guid mailId, byte[] policy, byte[] body)
    {
        if (policy.Length > ProtectCommandBinaryFormat.MaxPolicyHeaderLength)
        {
            throw new System.Runtime.Serialization.SerializationException($"Mail {mailId}: the policy is {policy.Length} bytes as JSON, above {ProtectCommandBinaryFormat.MaxPolicyHeaderLength}.");
        }

        var content = GC.AllocateUninitializedArray<byte>(FixedPreambleBytes + policy.Length + body.Length);
        WritePreamble(content, kind, mailId, policy.Length);
        policy.CopyTo(content, FixedPreambleBytes);
        body.CopyTo(content, FixedPreambleBytes + policy.Length);
        return content;
    }

    private static void WritePreamble(byte[] content, byte kind, Guid mailId, int policyLength)
    {
        Magic.CopyTo(content, 0);
        content[4] = Version;
        content[5] = kind;
        mailId.TryWriteBytes(content.AsSpan(6, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteUInt16BigEndian(content.AsSpan(22, 2), (ushort)policyLength);
    }
}
