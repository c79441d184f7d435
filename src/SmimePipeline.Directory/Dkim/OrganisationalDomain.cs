namespace SmimePipeline.CertificateDirectory.Dkim;

/// <summary>
/// The organisational domain of a name (RFC 7489 §3.2): the registered domain, one label below the public
/// suffix. Without the Public Suffix List at hand this uses its common shape: the last two labels, or three
/// under the second-level registries of country domains (<c>co.uk</c>, <c>com.au</c>, <c>ac.jp</c>, …).
/// A suffix it does not know makes alignment stricter, never looser, for <see cref="DkimAlignment.Require"/>.
/// </summary>
public static class OrganisationalDomain
{
    private static readonly HashSet<string> SecondLevelRegistries = new(StringComparer.Ordinal)
    {
        "ac", "co", "com", "edu", "gov", "gob", "go", "ltd", "me", "mil", "ne", "net", "nhs", "or", "org", "plc", "sch",
    };

    /// <summary>The organisational domain of <paramref name="domain"/> (lower-case ASCII expected).</summary>
    public static string Of(string domain)
    {
        ArgumentException.ThrowIfNullOrEmpty(domain);
        var labels = domain.Split('.');
        if (labels.Length <= 2)
        {
            return domain;
        }

        int keep = labels[^1].Length == 2 && SecondLevelRegistries.Contains(labels[^2]) ? 3 : 2;
        return string.Join('.', labels[^keep..]);
    }

    /// <summary>Whether <paramref name="signingDomain"/> may sign for <paramref name="fromDomain"/> under <paramref name="alignment"/>.</summary>
    public static bool Aligned(string signingDomain, string fromDomain, DkimAlignment alignment)
    {
        ArgumentException.ThrowIfNullOrEmpty(signingDomain);
        ArgumentException.ThrowIfNullOrEmpty(fromDomain);
        if (alignment == DkimAlignment.Off || signingDomain == fromDomain)
        {
            return true;
        }

        string organisation = Of(fromDomain);
        return alignment switch
        {
            // A parent of the From domain, but never above its organisational domain ("co.uk", "com").
            DkimAlignment.Require => fromDomain.EndsWith("." + signingDomain, StringComparison.Ordinal)
                && (signingDomain == organisation || signingDomain.EndsWith("." + organisation, StringComparison.Ordinal)),
            DkimAlignment.Relaxed => Of(signingDomain) == organisation,
            _ => false,
        };
    }
}
