namespace SmimePipeline.CertificateDirectory.Dkim;

/// <summary>Checks of names taken from mail (attacker-written) before they reach DNS or a comparison.</summary>
internal static class DnsNames
{
    /// <summary>Whether <paramref name="name"/> is an ASCII DNS name: labels of letters, digits, '-' and '_', 1-63 chars, 253 at most.</summary>
    public static bool IsHostName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 253)
        {
            return false;
        }

        foreach (var label in name.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (var c in label)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_'))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>The ASCII (punycode) lower-case form of a domain, or null when it is not a valid domain.</summary>
    public static string? Normalize(string? domain)
    {
        if (string.IsNullOrWhiteSpace(domain))
        {
            return null;
        }

        string ascii;
        try
        {
            ascii = new System.Globalization.IdnMapping().GetAscii(domain.Trim().TrimEnd('.'));
        }
        catch (ArgumentException)
        {
            return null;
        }

        ascii = ascii.ToLowerInvariant();
        return IsHostName(ascii) && ascii.Contains('.', StringComparison.Ordinal) ? ascii : null;
    }
}
