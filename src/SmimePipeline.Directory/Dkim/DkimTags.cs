namespace SmimePipeline.CertificateDirectory.Dkim;

/// <summary>Reads the tag list of a DKIM-Signature value (RFC 6376 §3.2): <c>tag=value; …</c>, folding whitespace removed.</summary>
internal static class DkimTags
{
    public static Dictionary<string, string> Parse(string? value)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(value))
        {
            return tags;
        }

        foreach (var part in value.Split(';'))
        {
            int equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            string name = part[..equals].Trim();
            string tagValue = string.Concat(part[(equals + 1)..].Where(c => !char.IsWhiteSpace(c)));

            // A duplicated tag makes the signature invalid (§3.2); keeping the first is enough for our checks,
            // the verifier refuses the signature itself.
            tags.TryAdd(name, tagValue);
        }

        return tags;
    }
}
