using System.Data.Common;

namespace SmimePipeline.Postgres;

/// <summary>
/// Which keywords an operator actually wrote in an Npgsql connection string. <c>NpgsqlConnectionStringBuilder.ContainsKey</c>
/// answers whether Npgsql knows a keyword, not whether it was given, so a default applied "unless the operator set it"
/// must read the raw string. Npgsql accepts a keyword with or without its spaces and in any case
/// (<c>Max Auto Prepare</c>, <c>MaxAutoPrepare</c>, <c>max auto prepare</c>); synonyms such as <c>Max Pool Size</c> for
/// <c>Maximum Pool Size</c> are the caller's to list.
/// </summary>
public static class NpgsqlConnectionStringKeywords
{
    /// <summary>The keywords given in <paramref name="connectionString"/>, without spaces, compared case-insensitively.</summary>
    /// <param name="connectionString">The connection string as the operator wrote it.</param>
    /// <exception cref="ArgumentException">The connection string is not valid connection-string syntax.</exception>
    public static HashSet<string> Given(string connectionString) =>
        new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys
            .Cast<string>()
            .Select(key => key.Replace(" ", "", StringComparison.Ordinal))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
}
