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
    /// or, when there is none, the legacy emailAddress attributes of the subject.
    /// </summary>
    /// <param name="certificate">The certificate.</param>
    /// <returns>The addresses in certificate order (may be empty).</returns>
    public static IReadOnlyList<string> Get(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var addresses = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value == SubjectAlternativeNameOid)
            {
                ReadRfc822Names(extension.RawData, addresses);
            }
        }

        if (addresses.Count > 0)
        {
            return addresses;
        }

        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (!rdn.HasMultipleElements && rdn.GetSingleElementType().Value == EmailAddressAttributeOid
                && rdn.GetSingleElementValue() is { Length: > 0 } value)
            {
                addresses.Add(value);
            }
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

    private static void ReadRfc822Names(byte[] extensionValue, List<string> addresses)
    {
        var reader = new AsnReader(extensionValue, AsnEncodingRules.DER);
        var names = reader.ReadSequence();
        while (names.HasData)
        {
            var tag = names.PeekTag();
            if (tag.HasSameClassAndValue(Rfc822NameTag))
            {
                addresses.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, Rfc822NameTag));
            }
            else
            {
                names.ReadEncodedValue();
            }
        }
    }
}
