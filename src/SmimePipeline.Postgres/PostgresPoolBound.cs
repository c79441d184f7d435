using Npgsql;

namespace SmimePipeline.Postgres;

/// <summary>
/// The upper bound on PostgreSQL connections one store of one process may hold, so that an operator can size every
/// process against the server's <c>max_connections</c> (issue 17: 53300 "too many clients" with Npgsql's default pool of
/// 100 per data source). The bound is the store's pool: its <c>Maximum Pool Size</c> is the configured maximum, or the
/// connection string's own <c>Maximum Pool Size</c> when that is lower (both say "at most"). Callers beyond it wait for a
/// pooled connection (up to the connection string's <c>Timeout</c>, default 15 s) instead of opening more. Every
/// PostgreSQL store of the product (producer claims, delivery ledger, recipient-fate ledger, certificate directory) is
/// bounded here, so the rules and the messages are the same for each.
/// </summary>
public static class PostgresPoolBound
{
    /// <summary>The largest bound accepted: PostgreSQL's own default <c>max_connections</c> is 100.</summary>
    public const int MostConnections = 1_000;

    // Npgsql's keyword and synonym of Maximum Pool Size, without spaces (as NpgsqlConnectionStringKeywords gives them).
    private static readonly string[] MaxPoolSizeKeywords = ["MaximumPoolSize", "MaxPoolSize"];

    /// <summary>
    /// The pool size a store opened with <paramref name="connectionString"/> and <paramref name="maxConnections"/> gets:
    /// the smaller of the two when the connection string names a <c>Maximum Pool Size</c>, else
    /// <paramref name="maxConnections"/>.
    /// </summary>
    /// <param name="connectionString">The Npgsql connection string.</param>
    /// <param name="maxConnections">The configured bound.</param>
    /// <exception cref="ArgumentException">The connection string is not valid Npgsql syntax.</exception>
    public static int EffectiveMaxConnections(string connectionString, int maxConnections)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var given = NpgsqlConnectionStringKeywords.Given(connectionString);
        return MaxPoolSizeKeywords.Any(given.Contains) ? Math.Min(builder.MaxPoolSize, maxConnections) : maxConnections;
    }

    /// <summary>
    /// Why <paramref name="connectionString"/> with <paramref name="maxConnections"/> cannot be bounded, naming the
    /// settings (never the connection string's value, which holds the password), or null when it can. Without a
    /// connection string (the store is off, or another provider is chosen) only the bound's range is checked.
    /// </summary>
    /// <param name="connectionString">The Npgsql connection string, or null/blank when none is configured.</param>
    /// <param name="maxConnections">The configured bound.</param>
    /// <param name="settings">How the store and its settings are named in the message.</param>
    public static string? Problem(string? connectionString, int maxConnections, PostgresPoolSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (maxConnections is < 1 or > MostConnections)
        {
            return $"{settings.MaxConnectionsSetting} must be between 1 and {MostConnections} (was {maxConnections}).";
        }

        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return null;
        }

        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException)
        {
            // The connection string holds the password: name the setting, never its value.
            return $"{settings.ConnectionStringSetting} is not a valid Npgsql connection string.";
        }

        if (!builder.Pooling)
        {
            return $"{settings.ConnectionStringSetting} turns pooling off (Pooling=false): {settings.Store}'s bound on connections ({settings.MaxConnectionsSetting}) is its pool; remove Pooling=false.";
        }

        int effective = EffectiveMaxConnections(connectionString, maxConnections);
        if (builder.MinPoolSize > effective)
        {
            return $"{settings.ConnectionStringSetting} asks for Minimum Pool Size {builder.MinPoolSize}, above {settings.Store}'s bound of {effective} connections ({settings.MaxConnectionsSetting}, or the connection string's Maximum Pool Size when lower).";
        }

        return null;
    }

    /// <summary>
    /// Puts the bound into <paramref name="builder"/> (built from <paramref name="connectionString"/>) and returns it,
    /// for a store's constructor.
    /// </summary>
    /// <param name="builder">The data source's connection settings.</param>
    /// <param name="connectionString">The connection string the builder was made from (to see what the operator wrote).</param>
    /// <param name="maxConnections">The configured bound.</param>
    /// <param name="store">The store, as a message names it (e.g. "the delivery ledger").</param>
    /// <returns>The pool's <c>Maximum Pool Size</c> now set.</returns>
    /// <exception cref="ArgumentException">The two cannot be bounded (<see cref="Problem"/> says why).</exception>
    public static int Apply(NpgsqlConnectionStringBuilder builder, string connectionString, int maxConnections, string store)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var names = new PostgresPoolSettings(store, $"{store}'s maximum connections", $"{store}'s connection string");
        if (Problem(connectionString, maxConnections, names) is { } problem)
        {
            throw new ArgumentException(problem, nameof(maxConnections));
        }

        builder.MaxPoolSize = EffectiveMaxConnections(connectionString, maxConnections);
        return builder.MaxPoolSize;
    }
}
