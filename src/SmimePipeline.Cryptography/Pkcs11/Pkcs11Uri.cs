using System.Globalization;
using System.Text;

namespace SmimePipeline.Cryptography.Pkcs11;

/// <summary>
/// An RFC 7512 <c>pkcs11:</c> URI naming a private key in a token, e.g.
/// <c>pkcs11:token=bank-signers;object=statements;id=%01?module-path=/usr/lib/softhsm/libsofthsm2.so</c>.
/// Path attributes <c>token</c>, <c>serial</c>, <c>manufacturer</c>, <c>model</c>, <c>slot-id</c>, <c>object</c>,
/// <c>id</c> and <c>type</c> (only <c>private</c>) are understood; of the query attributes, <c>module-path</c> and
/// <c>pin-source</c> (a file). A PIN in the URI (<c>pin-value</c>) is refused: URIs are stored in files and shown
/// by <c>smime certs list</c>, so they must never hold a secret.
/// </summary>
public sealed class Pkcs11Uri : IEquatable<Pkcs11Uri>
{
    private const string Scheme = "pkcs11:";

    private Pkcs11Uri(
        string? token,
        string? serial,
        string? manufacturer,
        string? model,
        ulong? slotId,
        string? objectLabel,
        byte[]? id,
        string? modulePath,
        string? pinSource)
    {
        Token = token;
        Serial = serial;
        Manufacturer = manufacturer;
        Model = model;
        SlotId = slotId;
        ObjectLabel = objectLabel;
        _id = id;
        ModulePath = modulePath;
        PinSource = pinSource;
    }

    /// <summary>The token label (<c>token=</c>), or <see langword="null"/>.</summary>
    public string? Token { get; }

    /// <summary>The token serial number (<c>serial=</c>), or <see langword="null"/>.</summary>
    public string? Serial { get; }

    /// <summary>The token manufacturer (<c>manufacturer=</c>), or <see langword="null"/>.</summary>
    public string? Manufacturer { get; }

    /// <summary>The token model (<c>model=</c>), or <see langword="null"/>.</summary>
    public string? Model { get; }

    /// <summary>The slot id (<c>slot-id=</c>, decimal), or <see langword="null"/>.</summary>
    public ulong? SlotId { get; }

    /// <summary>The key's <c>CKA_LABEL</c> (<c>object=</c>), or <see langword="null"/>.</summary>
    public string? ObjectLabel { get; }

    /// <summary>The key's <c>CKA_ID</c> (<c>id=</c>, percent-encoded bytes), or <see langword="null"/>.</summary>
    public ReadOnlyMemory<byte>? Id => _id is null ? default(ReadOnlyMemory<byte>?) : new ReadOnlyMemory<byte>(_id);

    private readonly byte[]? _id;

    /// <summary>The PKCS#11 module (<c>module-path=</c>), or <see langword="null"/> to use the configured one.</summary>
    public string? ModulePath { get; }

    /// <summary>A file holding the user PIN (<c>pin-source=</c>, a path or <c>file:</c> URI), or <see langword="null"/>.</summary>
    public string? PinSource { get; }

    /// <summary>Parses <paramref name="text"/>.</summary>
    /// <param name="text">The URI.</param>
    /// <returns>The parsed URI.</returns>
    /// <exception cref="FormatException">
    /// Not a <c>pkcs11:</c> URI, a malformed percent-encoding, an unknown or repeated attribute, a PIN in the
    /// URI, a <c>type</c> other than <c>private</c>, or neither <c>object</c> nor <c>id</c>; the message names the attribute.
    /// </exception>
    public static Pkcs11Uri Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException("A PKCS#11 key is named by an RFC 7512 URI starting with 'pkcs11:'.");
        }

        string body = text[Scheme.Length..];
        int question = body.IndexOf('?', StringComparison.Ordinal);
        string path = question < 0 ? body : body[..question];
        string query = question < 0 ? "" : body[(question + 1)..];

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        byte[]? id = null;
        foreach (var (name, raw) in Attributes(path, ';'))
        {
            switch (name)
            {
                case "token" or "serial" or "manufacturer" or "model" or "slot-id" or "object" or "type":
                    Add(values, name, Encoding.UTF8.GetString(Decode(raw, name)));
                    break;
                case "id":
                    if (id is not null)
                    {
                        throw new FormatException("The PKCS#11 URI names the attribute 'id' twice.");
                    }

                    id = Decode(raw, name);
                    break;
                case "pin-value":
                    throw new FormatException("The PKCS#11 URI holds a PIN (pin-value): give the PIN in a file (PinFile, pin-source), $SMIME_PKCS11_PIN or --pin-stdin instead.");
                case "library-manufacturer" or "library-description" or "library-version" or "slot-description" or "slot-manufacturer":
                    // RFC 7512 §2.3 lets a consumer ignore attributes it does not use for selection.
                    break;
                default:
                    throw new FormatException($"The PKCS#11 URI has an unknown path attribute '{name}'.");
            }
        }

        foreach (var (name, raw) in Attributes(query, '&'))
        {
            switch (name)
            {
                case "module-path" or "pin-source":
                    Add(values, name, Encoding.UTF8.GetString(Decode(raw, name)));
                    break;
                case "pin-value":
                    throw new FormatException("The PKCS#11 URI holds a PIN (pin-value): give the PIN in a file (PinFile, pin-source), $SMIME_PKCS11_PIN or --pin-stdin instead.");
                case "module-name":
                    throw new FormatException("The PKCS#11 URI names a module by 'module-name'; give its full path with 'module-path' or Signer:Pkcs11:ModulePath.");
                default:
                    throw new FormatException($"The PKCS#11 URI has an unknown query attribute '{name}'.");
            }
        }

        if (values.TryGetValue("type", out var type) && !string.Equals(type, "private", StringComparison.Ordinal))
        {
            throw new FormatException($"The PKCS#11 URI names an object of type '{type}'; a signer key is type=private.");
        }

        values.TryGetValue("object", out var label);
        if (label is null && id is null)
        {
            throw new FormatException("The PKCS#11 URI names no key: give 'object' (its label), 'id', or both.");
        }

        ulong? slot = null;
        if (values.TryGetValue("slot-id", out var slotText))
        {
            slot = ulong.TryParse(slotText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw new FormatException($"The PKCS#11 URI's slot-id '{slotText}' is not a decimal number.");
        }

        string? pinSource = values.GetValueOrDefault("pin-source");
        if (pinSource is not null && pinSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            // file:/path and file:///path name a local file (RFC 8089); a host is not supported.
            string local = pinSource["file:".Length..];
            pinSource = local.StartsWith("///", StringComparison.Ordinal) ? local[2..]
                : local.StartsWith('/') && !local.StartsWith("//", StringComparison.Ordinal) ? local
                : throw new FormatException("The PKCS#11 URI's pin-source must be a local file (file:/path or a path).");
        }

        return new Pkcs11Uri(
            values.GetValueOrDefault("token"),
            values.GetValueOrDefault("serial"),
            values.GetValueOrDefault("manufacturer"),
            values.GetValueOrDefault("model"),
            slot,
            label,
            id,
            values.GetValueOrDefault("module-path"),
            pinSource);
    }

    /// <summary>Parses <paramref name="text"/> without throwing.</summary>
    /// <param name="text">The URI.</param>
    /// <param name="uri">The parsed URI, or <see langword="null"/>.</param>
    /// <param name="error">Why it was refused, or <see langword="null"/>.</param>
    /// <returns><see langword="true"/> when it parsed.</returns>
    public static bool TryParse(string? text, out Pkcs11Uri? uri, out string? error)
    {
        try
        {
            uri = Parse(text ?? "");
            error = null;
            return true;
        }
        catch (FormatException e)
        {
            uri = null;
            error = e.Message;
            return false;
        }
    }

    /// <summary>This URI with <paramref name="modulePath"/> as its module when it names none.</summary>
    /// <param name="modulePath">The module to use.</param>
    /// <returns>A URI with a module path.</returns>
    public Pkcs11Uri WithModuleIfMissing(string? modulePath) =>
        ModulePath is not null || string.IsNullOrWhiteSpace(modulePath)
            ? this
            : new Pkcs11Uri(Token, Serial, Manufacturer, Model, SlotId, ObjectLabel, _id, modulePath, PinSource);

    /// <summary>The canonical text (path attributes in RFC 7512 order, then the query); never a PIN.</summary>
    /// <returns>The URI.</returns>
    public override string ToString()
    {
        var path = new List<string>();
        AddPart(path, "token", Token);
        AddPart(path, "manufacturer", Manufacturer);
        AddPart(path, "serial", Serial);
        AddPart(path, "model", Model);
        if (SlotId is { } slot)
        {
            path.Add("slot-id=" + slot.ToString(CultureInfo.InvariantCulture));
        }

        AddPart(path, "object", ObjectLabel);
        if (_id is { } id)
        {
            path.Add("id=" + string.Concat(id.Select(b => "%" + b.ToString("x2", CultureInfo.InvariantCulture))));
        }

        path.Add("type=private");
        var query = new List<string>();
        AddPart(query, "module-path", ModulePath);
        AddPart(query, "pin-source", PinSource);
        return Scheme + string.Join(';', path) + (query.Count > 0 ? "?" + string.Join('&', query) : "");
    }

    /// <inheritdoc />
    public bool Equals(Pkcs11Uri? other) => other is not null && string.Equals(ToString(), other.ToString(), StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Pkcs11Uri);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToString());

    private static void AddPart(List<string> parts, string name, string? value)
    {
        if (value is not null)
        {
            parts.Add(name + "=" + Encode(value));
        }
    }

    private static void Add(Dictionary<string, string> values, string name, string value)
    {
        if (!values.TryAdd(name, value))
        {
            throw new FormatException($"The PKCS#11 URI names the attribute '{name}' twice.");
        }
    }

    private static IEnumerable<(string Name, string Value)> Attributes(string text, char separator)
    {
        foreach (var part in text.Split(separator, StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new FormatException($"The PKCS#11 URI attribute '{part}' has no value (expected name=value).");
            }

            yield return (part[..equals].ToLowerInvariant(), part[(equals + 1)..]);
        }
    }

    private static byte[] Decode(string value, string attribute)
    {
        var bytes = new List<byte>(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == '%')
            {
                if (i + 2 >= value.Length
                    || !byte.TryParse(value.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                {
                    throw new FormatException($"The PKCS#11 URI attribute '{attribute}' has a malformed percent-encoding.");
                }

                bytes.Add(b);
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }

        return [.. bytes];
    }

    private static string Encode(string value)
    {
        // RFC 7512 §2.3: pchar minus the separators; everything else percent-encoded as UTF-8.
        var builder = new StringBuilder(value.Length);
        foreach (byte b in Encoding.UTF8.GetBytes(value))
        {
            char c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or ':' or '[' or ']' or '@' or '!' or '$' or '\'' or '(' or ')' or '*' or '+' or ',' or '/' or '|')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }
}
