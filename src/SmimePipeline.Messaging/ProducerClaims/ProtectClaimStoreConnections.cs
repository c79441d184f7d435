using Npgsql;

namespace SmimePipeline.Messaging.ProducerClaims;

/// <summary>
/// The upper bound on PostgreSQL connections a <see cref="PostgresProtectClaimStore"/> may hold, so that an operator can
/// size producers and signers against the server's <c>max_connections</c>. The bound is the store's pool: its
/// <c>Maximum Pool Size</c> is the configured maximum, or the connection string's own <c>Maximum Pool Size</c> when that
/// is lower (both say "at most"). Callers beyond it wait for a pooled connection (up to the connection string's
/// <c>Timeout</c>, default 15 s) instead of opening more, and no connection is held across a wait for anything else.
/// </summary>
public static class ProtectClaimStoreConnections
{
    /// <summary>The producers' default bound (the client's <c>SmimePipeline:ClaimStoreMaxConnections</c>): 4 per process.</summary>
    public const int DefaultProducerMaxConnections = 4;

    /// <summary>The signers' default bound (<c>SmimePipeline:ProducerClaims:MaxConnections</c>): 8 per signer process.</summary>
    public const int DefaultSignerMaxConnections = 8;

    /// <summary>The largest bound accepted: PostgreSQL's own default <c>max_connections</c> is 100.</summary>
    public const int MostConnections = 1_000;

    // Npgsql's keyword and synonym of Maximum Pool Size, without spaces (as NpgsqlConnectionStringKeywords gives them).
    private static readonly string[] MaxPoolSizeKeywords = ["MaximumPoolSize", "MaxPoolSize"];

    /// <summary>
    /// The pool size a store opened with <paramref name="connectionString"/> and <paramref name="maxConnections"/> gets:
    /// the smaller of the two when the connection string names a <c>Maximum Pool Size</c>, else
    /// <paramref name="maxConnections"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The connection string is not valid Npgsql syntax.</exception>
    public static int EffectiveMaxConnections(string connectionString, int maxConnections)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return NamesMaxPoolSize(connectionString) ? Math.Min(builder.MaxPoolSize, maxConnections) : maxConnections;
    }

    /// <summary>
    /// Why <paramref name="connectionString"/> with <paramref name="maxConnections"/> cannot be bounded, naming the
    /// settings (never the connection string's value), or null when it can.
    /// </summary>
    /// <param name="connectionString">The Npgsql connection string.</param>
    /// <param name="maxConnections">The configured bound.</param>
    /// <param name="maxConnectionsSetting">The bound's configuration key, for the message.</param>
    /// <param name="connectionStringSetting">The connection string's configuration key, for the message.</param>
    public static string? Problem(string connectionString, int maxConnections, string maxConnectionsSetting, string connectionStringSetting)
    {
        if (maxConnections is < 1 or > MostConnections)
        {
            return $"{maxConnectionsSetting} must be between 1 and {MostConnections} (was {maxConnections}).";
        }

        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException)
        {
            // The connection string holds the password: name the setting, never its value.
            return $"{connectionStringSetting} is not a valid Npgsql connection string.";
        }

        if (!builder.Pooling)
        {
            return $"{connectionStringSetting} turns pooling off (Pooling=false): the claim store's bound on connections ({maxConnectionsSetting}) is its pool; remove Pooling=false.";
        }

        int effective = EffectiveMaxConnections(connectionString, maxConnections);
        if (builder.MinPoolSize > effective)
        {
            return $"{connectionStringSetting} asks for Minimum Pool Size {builder.MinPoolSize}, above the claim store's bound of {effective} connections ({maxConnectionsSetting}, or the connection string's Maximum Pool Size when lower).";
        }

        return null;
    }

    /// <summary>Puts the bound into <paramref name="builder"/> (built from <paramref name="connectionString"/>).</summary>
    /// <exception cref="ArgumentException">The two cannot be bounded (<see cref="Problem"/> says why).</exception>
    internal static void Apply(NpgsqlConnectionStringBuilder builder, string connectionString, int maxConnections)
    {
        if (Problem(connectionString, maxConnections, "the claim store's maximum connections", "the claim store's connection string") is { } problem)
        {
            throw new ArgumentException(problem, nameof(maxConnections));
        }

        builder.MaxPoolSize = EffectiveMaxConnections(connectionString, maxConnections);
    }

    private static bool NamesMaxPoolSize(string connectionString)
    {
        var given = NpgsqlConnectionStringKeywords.Given(connectionString);
        return MaxPoolSizeKeywords.Any(given.Contains);
    }
}
