using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using SmimePipeline.Messaging;

namespace SmimePipeline.Worker.ClaimCheck;

/// <summary>
/// The id of a claim the pipeline minted, and its address on the bus. An address is
/// <c>urn:smime-claim:</c> followed by 32 lower-case hexadecimal digits (a random 128-bit id); the file is
/// <c>&lt;id&gt;.claim</c> directly inside the claim directory. Nothing else is accepted: no other scheme,
/// no path separators, no dots, no upper case, no escapes, no query or fragment. The address is never joined
/// into a path; only the parsed id is.
/// </summary>
public readonly record struct ClaimId
{
    /// <summary>The URN prefix of every claim address.</summary>
    public const string AddressPrefix = "urn:smime-claim:";

    /// <summary>The file-name extension of a claim file in the claim directory.</summary>
    public const string FileExtension = ".claim";

    private static readonly ClaimAddressFormat AddressFormat = new(
        AddressPrefix, "content address", $"is not a claim this pipeline minted (expected {AddressPrefix}<32 hex digits>)");

    private ClaimId(string value) => Value = value;

    /// <summary>The 32 hexadecimal digits.</summary>
    public string Value { get; }

    /// <summary>The address that travels in <c>DeliverEmail.ContentAddress</c>.</summary>
    public Uri Address => new(AddressPrefix + Value);

    /// <summary>The claim file's name inside the claim directory.</summary>
    public string FileName => Value + FileExtension;

    /// <summary>A new random id (128 bits from the operating system's CSPRNG, via <see cref="Guid.NewGuid"/>).</summary>
    public static ClaimId NewId() => new(Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture));

    /// <summary>Parses an address from the bus, or says why it is not a claim this pipeline minted
    /// (<see cref="ClaimAddressFormat.TryParse"/>'s rules, applied to the address as the producer wrote it).</summary>
    /// <param name="address">The address; <see langword="null"/> is refused.</param>
    /// <param name="id">The id when the address is valid.</param>
    /// <param name="problem">Why not, naming the rule (the address itself is echoed only up to 80 characters).</param>
    public static bool TryParse(Uri? address, out ClaimId id, [NotNullWhen(false)] out string? problem)
    {
        // OriginalString: what the producer wrote, before any normalisation by Uri.
        var valid = AddressFormat.TryParse(address?.OriginalString, out var value, out problem);
        id = valid ? new ClaimId(value.ToString("N", CultureInfo.InvariantCulture)) : default;
        return valid;
    }

    /// <summary>Whether <paramref name="fileName"/> is the name of a claim file (for the sweeper).</summary>
    public static bool IsClaimFileName(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var span = fileName.AsSpan();
        return span.EndsWith(FileExtension, StringComparison.Ordinal)
            && ClaimAddressFormat.IsIdDigits(span[..^FileExtension.Length]);
    }

    /// <inheritdoc />
    public override string ToString() => Value ?? "";
}
