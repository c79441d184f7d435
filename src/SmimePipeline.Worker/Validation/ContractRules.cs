using System.Buffers;
using System.Globalization;
using SmimePipeline.Contracts;

namespace SmimePipeline.Worker.Validation;

/// <summary>The field rules the contract validators share. Each returns <see langword="null"/> or what is wrong, naming the field.</summary>
public static class ContractRules
{
    // RFC 5322 §3.2.3 atext plus '.', for the unquoted local part; anything else (quotes, spaces, brackets) is refused.
    private static readonly SearchValues<char> LocalPartSpecials = SearchValues.Create("!#$%&'*+-/=?^_`{|}~.");
    private static readonly SearchValues<char> HeaderNameForbidden = SearchValues.Create(":");
    private static readonly string[] Ciphers = ["aes128-cbc", "aes256-cbc", "aes128-gcm", "aes256-gcm"];

    /// <summary>A mail id: not the empty Guid.</summary>
    public static MailRefusal? MailId(Guid id, string field = "MailId") =>
        id == Guid.Empty ? MailRefusal.Field(field, "is empty (00000000-0000-0000-0000-000000000000); every mail needs its own id") : null;

    /// <summary>An RFC 5321 mailbox address: <c>local@domain</c>, no control characters, no spaces, bounded lengths.</summary>
    public static MailRefusal? Address(string? address, string field)
    {
        if (address is null)
        {
            return MailRefusal.Field(field, "is missing");
        }

        if (address.Length == 0)
        {
            return MailRefusal.Field(field, "is empty");
        }

        if (address.Length > ContractLimits.MaxAddressLength)
        {
            return MailRefusal.Field(field, $"is {address.Length} characters long, above {ContractLimits.MaxAddressLength} (RFC 5321)");
        }

        if (ControlCharacter(address) is { } control)
        {
            return MailRefusal.Field(field, $"contains {control}");
        }

        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1)
        {
            return MailRefusal.Field(field, $"'{address}' is not an address of the form local@domain");
        }

        var local = address.AsSpan(0, at);
        var domain = address.AsSpan(at + 1);
        if (local.Length > ContractLimits.MaxLocalPartLength)
        {
            return MailRefusal.Field(field, $"'{address}' has a local part of {local.Length} characters, above {ContractLimits.MaxLocalPartLength} (RFC 5321)");
        }

        foreach (var c in local)
        {
            if (!(char.IsLetterOrDigit(c) || LocalPartSpecials.Contains(c)))
            {
                return MailRefusal.Field(field, $"'{address}' has the character {Describe(c)} in its local part");
            }
        }

        if (local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal))
        {
            return MailRefusal.Field(field, $"'{address}' has a misplaced dot in its local part");
        }

        return Domain(domain) is { } problem ? MailRefusal.Field(field, $"'{address}' {problem}") : null;
    }

    /// <summary>A <see cref="MailAddress"/>: not null, a valid address, a display name without control characters.</summary>
    public static MailRefusal? Mailbox(MailAddress? mailbox, string field)
    {
        if (mailbox is null)
        {
            return MailRefusal.Field(field, "is null");
        }

        if (Address(mailbox.Address, $"{field}.Address") is { } refusal)
        {
            return refusal;
        }

        return mailbox.DisplayName is { } name ? Text(name, $"{field}.DisplayName", ContractLimits.MaxDisplayNameLength) : null;
    }

    /// <summary>A single-line text field: at most <paramref name="maxLength"/> characters, no CR, LF, NUL or other control character (tab allowed).</summary>
    public static MailRefusal? Text(string? text, string field, int maxLength)
    {
        if (text is null)
        {
            return MailRefusal.Field(field, "is null");
        }

        if (text.Length > maxLength)
        {
            return MailRefusal.Field(field, $"is {text.Length} characters long, above {maxLength}");
        }

        return ControlCharacter(text) is { } control ? MailRefusal.Field(field, $"contains {control}") : null;
    }

    /// <summary>A body: may be null; no NUL (it cannot travel in a MIME text part).</summary>
    public static MailRefusal? Body(string? body, string field) =>
        body is not null && body.Contains('\0', StringComparison.Ordinal) ? MailRefusal.Field(field, "contains a NUL character") : null;

    /// <summary>An extra header's name: RFC 5322 §3.6.8 field-name (printable ASCII without ':'), bounded.</summary>
    public static MailRefusal? HeaderName(string? name, string field)
    {
        if (string.IsNullOrEmpty(name))
        {
            return MailRefusal.Field(field, "has an empty header name");
        }

        if (name.Length > ContractLimits.MaxHeaderNameLength)
        {
            return MailRefusal.Field(field, $"has a header name of {name.Length} characters, above {ContractLimits.MaxHeaderNameLength}");
        }

        foreach (var c in name)
        {
            if (c is < '!' or > '~' || HeaderNameForbidden.Contains(c))
            {
                return MailRefusal.Field(field, $"has the character {Describe(c)} in the header name '{Printable(name)}' (RFC 5322 field names are printable ASCII without ':')");
            }
        }

        return null;
    }

    /// <summary>A MIME type of the form <c>type/subtype</c> with RFC 2045 token characters, optionally followed by parameters.</summary>
    public static MailRefusal? ContentType(string? contentType, string field)
    {
        if (Text(contentType, field, ContractLimits.MaxContentTypeLength) is { } refusal)
        {
            return refusal;
        }

        // Parameters (e.g. "; charset=utf-8") are the composer's to parse; the media type itself must be type/subtype.
        var semicolon = contentType!.IndexOf(';', StringComparison.Ordinal);
        var mediaType = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim();
        var slash = mediaType.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == mediaType.Length - 1 || mediaType.IndexOf('/', slash + 1) >= 0
            || mediaType.Any(c => c is <= ' ' or > '~' || "()<>@,;:\\\"[]?=".Contains(c, StringComparison.Ordinal)))
        {
            return MailRefusal.Field(field, $"'{Printable(contentType)}' is not a MIME type of the form type/subtype");
        }

        return null;
    }

    /// <summary>An attachment's file name: a name, not a path; no control characters; bounded.</summary>
    public static MailRefusal? FileName(string? fileName, string field)
    {
        if (Text(fileName, field, ContractLimits.MaxFileNameLength) is { } refusal)
        {
            return refusal;
        }

        if (fileName!.Trim().Length == 0)
        {
            return MailRefusal.Field(field, "is empty");
        }

        return fileName.AsSpan().IndexOfAny('/', '\\') >= 0 || fileName is "." or ".."
            ? MailRefusal.Field(field, $"'{Printable(fileName)}' is a path; give the file's name only")
            : null;
    }

    /// <summary>A <see cref="SecurityPolicy"/>: not null, something to do, a known cipher and missing-certificate mode.</summary>
    public static MailRefusal? Policy(SecurityPolicy? policy, string field = "Policy")
    {
        if (policy is null)
        {
            return MailRefusal.Field(field, "is null");
        }

        if (!policy.Sign && !policy.Encrypt)
        {
            return MailRefusal.Field(field, "neither signs nor encrypts: the pipeline never sends unprotected mail");
        }

        if (policy.Cipher is { } cipher && !Ciphers.Contains(cipher, StringComparer.OrdinalIgnoreCase))
        {
            return MailRefusal.Field($"{field}.Cipher", $"'{Printable(cipher)}' is not one of {string.Join(", ", Ciphers)}");
        }

        return policy.MissingCertificate is { } mode && !Enum.IsDefined(mode)
            ? MailRefusal.Field($"{field}.MissingCertificate", $"'{mode}' is not Fail, SignOnly or Split")
            : null;
    }

    /// <summary>At most <paramref name="max"/> items, as a refusal naming the field.</summary>
    public static MailRefusal? Count(int count, int max, string field) =>
        count > max ? MailRefusal.Field(field, $"has {count} entries, above the limit of {max}") : null;

    /// <summary>A size above <paramref name="maxBytes"/> as <c>message-too-large</c>.</summary>
    public static MailRefusal? Size(long bytes, int maxBytes, string what) =>
        bytes > maxBytes
            ? new MailRefusal(MailRefusal.MessageTooLarge, $"{what} is {bytes} bytes, above the limit of {maxBytes} (SmimePipeline:MaxMessageBytes).")
            : null;

    /// <summary>The text with control characters shown as '?', cut at 80 characters, for refusals.</summary>
    public static string Printable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var cut = text.Length > 80 ? text[..80] + "…" : text;
        return string.Create(cut.Length, cut, (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
            }
        });
    }

    private static string? Domain(ReadOnlySpan<char> domain)
    {
        if (domain.Length > 253)
        {
            return "has a domain longer than 253 characters";
        }

        foreach (var range in domain.Split('.'))
        {
            var label = domain[range];
            if (label.Length is 0 or > 63)
            {
                return "has an empty or over-long label in its domain";
            }

            if (label[0] == '-' || label[^1] == '-')
            {
                return "has a domain label that starts or ends with '-'";
            }

            foreach (var c in label)
            {
                if (!(char.IsLetterOrDigit(c) || c == '-'))
                {
                    return $"has the character {Describe(c)} in its domain";
                }
            }
        }

        return null;
    }

    private static string? ControlCharacter(string text)
    {
        foreach (var c in text)
        {
            if (char.IsControl(c) && c != '\t')
            {
                return Describe(c);
            }
        }

        return null;
    }

    private static string Describe(char c) => c switch
    {
        '\r' => "a carriage return (CR)",
        '\n' => "a line feed (LF)",
        '\0' => "a NUL character",
        _ when char.IsControl(c) || char.IsWhiteSpace(c) => $"U+{(int)c:X4}",
        _ => $"'{c.ToString(CultureInfo.InvariantCulture)}'",
    };
}
