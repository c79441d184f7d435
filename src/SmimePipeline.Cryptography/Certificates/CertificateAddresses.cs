using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace SmimePipeline.Cryptography.Certificates;

/// <summary>Reads the mail addresses a certificate is issued to and compares addresses (RFC 8550 §3).</summary>
public static class CertificateAddresses
{
    private const string SubjectAlternativeNameOid = "2.5.29.17";
    private const string EmailAddressAttributeOid = "1.2.840.113549.1.9.1";
    private static readonly Asn1Tag Rfc822NameTag = new(TagClass.ContextSpecific, 1);

    /// <summary>
    /// The addresses of <paramref name="certificate"/>: every rfc822Name of the subjectAltName extension,
    /// or, when there is no subjectAltName, the legacy emailAddress attributes of the subject. A damaged
    /// subjectAltName or subject names no address.
    /// </summary>
    /// <param name="certificate">The certificate.</param>
    /// <returns>The addresses in certificate order (may be empty).</returns>
    public static IReadOnlyList<string> Get(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var addresses = new List<string>();
        bool hasSubjectAlternativeName = false;
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value == SubjectAlternativeNameOid)
            {
                hasSubjectAlternativeName = true;
                ReadRfc822Names(extension.RawData, addresses);
            }
        }

        if (addresses.Count > 0 || hasSubjectAlternativeName)
        {
            // A subjectAltName that names no readable address does not fall back to the subject (RFC 8550 §3).
            return addresses;
        }

        try
        {
            foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
            {
                if (!rdn.HasMultipleElements && rdn.GetSingleElementType().Value == EmailAddressAttributeOid
                    && rdn.GetSingleElementValue() is { Length: > 0 } value)
                {
                    addresses.Add(value);
                }
            }
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // A damaged subject names no address; the certificate is then refused for having none.
            addresses.Clear();
        }

        return addresses;
    }

    /// <summary>Whether <paramref name="certificate"/> names <paramref name="address"/> (see <see cref="AddressEquals"/>).</summary>
    /// <param name="certificate">The certificate.</param>
    /// <param name="address">The address to look for.</param>
    /// <returns><see langword="true"/> when one of its addresses matches.</returns>
    public static bool Contains(X509Certificate2 certificate, string address)
    {
        foreach (var candidate in Get(certificate))
        {
            if (AddressEquals(candidate, address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Compares two addresses: the local part exactly (RFC 5321 §2.4 leaves its case to the receiving host),
    /// the domain case-insensitively.
    /// </summary>
    /// <param name="left">An address.</param>
    /// <param name="right">Another address.</param>
    /// <returns>Whether both name the same mailbox.</returns>
    public static bool AddressEquals(string? left, string? right)
    {
        if (left is null || right is null)
        {
            return false;
        }

        int leftAt = left.LastIndexOf('@');
        int rightAt = right.LastIndexOf('@');
        if (leftAt < 0 || rightAt < 0)
        {
            return string.Equals(left, right, StringComparison.Ordinal);
        }

        return left.AsSpan(0, leftAt).SequenceEqual(right.AsSpan(0, rightAt))
            && left.AsSpan(leftAt + 1).Equals(right.AsSpan(rightAt + 1), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The longest address a store files (RFC 5321 §4.5.3.1.3: a path is at most 256 octets with its brackets).</summary>
    public const int MaxFileableLength = 254;

    /// <summary>
    /// Why <paramref name="address"/> cannot be filed by a store, or <see langword="null"/> when it can. The one
    /// rule both the file store (where the address becomes a directory name) and the recipient directory use,
    /// so neither ever holds what the other refused: one <c>@</c> with a non-empty local part and domain, at most
    /// <see cref="MaxFileableLength"/> characters, no leading dot, no path separator, no control character, no
    /// white space and no <c>..</c>.
    /// </summary>
    /// <param name="address">The address as the certificate names it.</param>
    /// <returns>The reason, or <see langword="null"/>.</returns>
    public static string? FindUnfileableReason(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        int at = address.LastIndexOf('@');
        return address switch
        {
            { Length: 0 } => "it is empty",
            { Length: > MaxFileableLength } => $"it is longer than {MaxFileableLength} characters",
            _ when at <= 0 || at == address.Length - 1 || address.IndexOf('@') != at => "it is not local-part@domain",
            _ when address[0] == '.' => "it starts with a dot",
            _ when address.Contains("..", StringComparison.Ordinal) => "it contains '..'",
            _ when address.IndexOfAny(['/', '\\']) >= 0 => "it contains a path separator",
            _ when address.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) => "it contains a control or white-space character",
            _ => null,
        };
    }

    /// <summary>
    /// The normalised, distinct addresses of <paramref name="certificate"/>, each checked with
    /// <see cref="FindUnfileableReason"/>: a certificate is filed under all of them or under none.
    /// </summary>
    /// <param name="certificate">A recipient or signer certificate.</param>
    /// <returns>The addresses, at least one.</returns>
    /// <exception cref="ArgumentException">The certificate names no address, or one that cannot be filed; the message names the certificate, the address and why.</exception>
    public static IReadOnlyList<string> GetFileable(X509Certificate2 certificate)
    {
        var (addresses, problem) = Check(certificate);
        return problem is null ? addresses : throw new ArgumentException(problem, nameof(certificate));
    }

    /// <summary>Why <paramref name="certificate"/> cannot be filed (see <see cref="GetFileable"/>), or <see langword="null"/> when it can.</summary>
    /// <param name="certificate">A recipient or signer certificate.</param>
    /// <returns>One line naming the certificate, the address and the rule, or <see langword="null"/>.</returns>
    public static string? FindUnfileableProblem(X509Certificate2 certificate) => Check(certificate).Problem;

    private static (IReadOnlyList<string> Addresses, string? Problem) Check(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var addresses = Get(certificate).Select(Normalize).Distinct(StringComparer.Ordinal).ToList();
        if (addresses.Count == 0)
        {
            return (addresses, $"The certificate {certificate.Subject} names no mail address (no rfc822Name, no emailAddress).");
        }

        foreach (var address in addresses)
        {
            if (FindUnfileableReason(address) is { } reason)
            {
                return (addresses, $"The certificate {certificate.Subject} names an address that cannot be filed: '{Printable(address)}' ({reason}); nothing of it was imported.");
            }
        }

        return (addresses, null);
    }

    /// <summary>The address with its domain in lower case: the form stores use as a key.</summary>
    /// <param name="address">An address.</param>
    /// <returns>The normalised address.</returns>
    public static string Normalize(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        address = address.Trim();
        int at = address.LastIndexOf('@');
        return at < 0 ? address : string.Concat(address.AsSpan(0, at + 1), address[(at + 1)..].ToLowerInvariant());
    }

    /// <summary>The address with control characters shown as <c>\\uXXXX</c>, so an error stays one readable line.</summary>
    private static string Printable(string address) =>
        address.Any(char.IsControl)
            ? string.Concat(address.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()))
            : address;

    private static void ReadRfc822Names(byte[] extensionValue, List<string> addresses)
    {
        // Certificates come from outside (import, harvest): a damaged extension (found by fuzzing: an rfc822Name
        // that is not IA5String) contributes no address at all, rather than the names read before the damage.
        var found = new List<string>();
        try
        {
            var reader = new AsnReader(extensionValue, AsnEncodingRules.DER);
            var names = reader.ReadSequence();
            while (names.HasData)
            {
                var tag = names.PeekTag();
                if (tag.HasSameClassAndValue(Rfc822NameTag))
                {
                    found.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, Rfc822NameTag));
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException)
        {
            return;
        }

        addresses.AddRange(found);
    }
}
