using System.Globalization;

namespace SmimePipeline.Worker.Sending;

/// <summary>Parses delay lists such as "10s,1m,5m,30m,2h" (units ms, s, m, h; or a TimeSpan such as 00:00:10).</summary>
public static class DurationList
{
    /// <summary>Parses <paramref name="text"/>; an empty string is an empty list.</summary>
    /// <exception cref="FormatException">An item is not a positive duration.</exception>
    public static IReadOnlyList<TimeSpan> Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        return text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(ParseOne).ToList();
    }

    private static TimeSpan ParseOne(string item)
    {
        var (number, unit) = item.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (item[..^2], "ms")
            : item.Length > 1 && char.IsLetter(item[^1]) ? (item[..^1], item[^1..].ToLowerInvariant())
            : (item, "");
        TimeSpan value;
        if (unit.Length == 0)
        {
            value = TimeSpan.Parse(item, CultureInfo.InvariantCulture);
        }
        else if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
        {
            value = unit switch
            {
                "ms" => TimeSpan.FromMilliseconds(n),
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                _ => throw new FormatException($"'{item}': unknown unit '{unit}' (use ms, s, m or h)."),
            };
        }
        else
        {
            throw new FormatException($"'{item}' is not a duration (e.g. 10s, 1m, 2h).");
        }

        return value > TimeSpan.Zero ? value : throw new FormatException($"'{item}' must be positive.");
    }
}
