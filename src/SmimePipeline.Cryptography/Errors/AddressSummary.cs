using System.Globalization;

namespace SmimePipeline.Cryptography.Errors;

/// <summary>
/// Names addresses in an error without printing thousands of them: the first few and a count
/// ("a@x, b@x, c@x, d@x, e@x and 9,995 more"), so a refusal stays one readable line.
/// </summary>
public static class AddressSummary
{
    /// <summary>How many addresses a summary names. 5.</summary>
    public const int DefaultShown = 5;

    /// <summary>Joins the first <paramref name="shown"/> addresses and counts the rest.</summary>
    /// <param name="addresses">The addresses, in the order to name them.</param>
    /// <param name="shown">How many to name; at least 1. Default <see cref="DefaultShown"/>.</param>
    /// <returns>The summary; empty for no address.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="shown"/> is below 1.</exception>
    public static string Format(IReadOnlyCollection<string> addresses, int shown = DefaultShown)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        ArgumentOutOfRangeException.ThrowIfLessThan(shown, 1);
        string named = string.Join(", ", addresses.Take(shown));
        int rest = addresses.Count - shown;
        return rest > 0 ? string.Create(CultureInfo.InvariantCulture, $"{named} and {rest:N0} more") : named;
    }
}
