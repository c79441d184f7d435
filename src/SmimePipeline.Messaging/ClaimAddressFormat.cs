using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace SmimePipeline.Messaging;

/// <summary>
/// The one parser of claim addresses on the bus: a fixed URN prefix followed by exactly 32 lower-case hexadecimal digits
/// (a random 128-bit id). Nothing else is accepted: no other prefix or case of it, no upper-case digits, no braces or
/// dashes, no escapes, nothing before or after. Both the producer's claims (<c>urn:smime-protect-claim:</c>) and the
/// sender's (<c>urn:smime-claim:</c>) use it with their own prefix and wording, so that the rules cannot drift apart.
/// An address is only ever parsed into a <see cref="Guid"/>; it is never joined into a query or a path.
/// </summary>
public sealed class ClaimAddressFormat
{
    /// <summary>How many hexadecimal digits follow the prefix.</summary>
    public const int Digits = 32;

    /// <summary>How many characters of a refused address a problem echoes (control characters shown as '?').</summary>
    public const int EchoedCharacters = 80;

    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    private readonly string addressName;
    private readonly string notThisKind;

    /// <summary>Creates the format of one kind of claim address.</summary>
    /// <param name="prefix">The URN prefix, e.g. <c>urn:smime-claim:</c>; matched exactly (ordinal, case-sensitive).</param>
    /// <param name="addressName">What the problems call the address, e.g. <c>content address</c>.</param>
    /// <param name="notThisKind">What a problem says of an address with another prefix, e.g. <c>is not a producer claim
    /// (expected …)</c>.</param>
    /// <exception cref="ArgumentException">Any argument is null or blank.</exception>
    public ClaimAddressFormat(string prefix, string addressName, string notThisKind)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        ArgumentException.ThrowIfNullOrWhiteSpace(addressName);
        ArgumentException.ThrowIfNullOrWhiteSpace(notThisKind);
        Prefix = prefix;
        this.addressName = addressName;
        this.notThisKind = notThisKind;
    }

    /// <summary>The URN prefix of every address of this kind.</summary>
    public string Prefix { get; }

    /// <summary>The address of <paramref name="id"/>: the prefix and the id's 32 lower-case hexadecimal digits.</summary>
    public string Format(Guid id) => Prefix + id.ToString("N", CultureInfo.InvariantCulture);

    /// <summary>Parses an address from the bus, or says why it is not an address of this kind.</summary>
    /// <param name="address">The address; <see langword="null"/> and empty are refused.</param>
    /// <param name="id">The id when the address is valid; <see cref="Guid.Empty"/> otherwise.</param>
    /// <param name="problem">Why not, naming the rule (the address is echoed only up to
    /// <see cref="EchoedCharacters"/> printable characters).</param>
    /// <returns>Whether the address is valid.</returns>
    public bool TryParse(string? address, out Guid id, [NotNullWhen(false)] out string? problem)
    {
        id = Guid.Empty;
        if (string.IsNullOrEmpty(address))
        {
            problem = $"no {addressName}";
            return false;
        }

        if (!address.StartsWith(Prefix, StringComparison.Ordinal))
        {
            problem = $"{addressName} '{Shorten(address)}' {notThisKind}";
            return false;
        }

        var digits = address.AsSpan(Prefix.Length);
        if (!IsIdDigits(digits))
        {
            problem = $"{addressName} '{Shorten(address)}' does not end in exactly {Digits} lower-case hexadecimal digits";
            return false;
        }

        id = Guid.ParseExact(digits, "N");
        problem = null;
        return true;
    }

    /// <summary>Whether <paramref name="digits"/> is exactly 32 lower-case hexadecimal digits (e.g. a claim file's name
    /// without its extension).</summary>
    public static bool IsIdDigits(ReadOnlySpan<char> digits) => digits.Length == Digits && !digits.ContainsAnyExcept(LowerHex);

    private static string Shorten(string text)
    {
        var printable = new string([.. text.Take(EchoedCharacters).Select(c => char.IsControl(c) ? '?' : c)]);
        return text.Length > EchoedCharacters ? printable + "…" : printable;
    }
}
