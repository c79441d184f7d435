using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace SmimePipeline.Messaging.ProducerClaims;

/// <summary>
/// The id of a producer claim (a protect command whose body waits in the <see cref="IProtectClaimStore"/>), and its
/// address on the bus: <c>urn:smime-protect-claim:</c> followed by 32 lower-case hexadecimal digits (a random 128-bit
/// id from the operating system's CSPRNG). Nothing else is accepted: no other prefix, no upper case, no braces or
/// dashes, no escapes, nothing before or after. The address is only ever parsed into this id, which the stores turn
/// into a UUID key; it is never joined into a query or a path.
/// </summary>
public readonly record struct ProtectClaimId
{
    /// <summary>The URN prefix of every producer claim address (distinct from the sender's <c>urn:smime-claim:</c>).</summary>
    public const string AddressPrefix = "urn:smime-protect-claim:";

    private static readonly ClaimAddressFormat AddressFormat = new(
        AddressPrefix, "claim address", $"is not a producer claim (expected {AddressPrefix}<32 lower-case hex digits>)");

    private ProtectClaimId(Guid value) => Value = value;

    /// <summary>The id as a GUID (the stores' key).</summary>
    public Guid Value { get; }

    /// <summary>The address that travels in <see cref="ProtectCommandClaim.ClaimAddress"/>.</summary>
    public string Address => AddressFormat.Format(Value);

    /// <summary>A new random id.</summary>
    public static ProtectClaimId NewId() => new(Guid.NewGuid());

    /// <summary>Parses an address from the bus, or says why it is not a producer claim address
    /// (<see cref="ClaimAddressFormat.TryParse"/>'s rules).</summary>
    /// <param name="address">The address; <see langword="null"/> is refused.</param>
    /// <param name="id">The id when the address is valid.</param>
    /// <param name="problem">Why not, naming the rule (the address is echoed only up to 80 printable characters).</param>
    public static bool TryParse(string? address, out ProtectClaimId id, [NotNullWhen(false)] out string? problem)
    {
        var valid = AddressFormat.TryParse(address, out var value, out problem);
        id = valid ? new ProtectClaimId(value) : default;
        return valid;
    }

    /// <inheritdoc />
    public override string ToString() => Value.ToString("N", CultureInfo.InvariantCulture);
}
