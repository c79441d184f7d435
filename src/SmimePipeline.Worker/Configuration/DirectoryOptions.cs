using SmimePipeline.Cryptography.Certificates;

namespace SmimePipeline.Worker.Configuration;

/// <summary>Settings of the recipient directory (<c>SmimePipeline:Directory</c>), used by the signer role.</summary>
public sealed class DirectoryOptions
{
    /// <summary>SQLite (default) or PostgreSQL.</summary>
    public DirectoryProvider Provider { get; set; } = DirectoryProvider.Sqlite;

    /// <summary>The SQLite file; default <c>directory.sqlite</c> in <c>SmimePipeline:Signer:StorePath</c>.</summary>
    public string SqlitePath { get; set; } = "";

    /// <summary>The Npgsql connection string, without its password when <see cref="PasswordFile"/> is set.</summary>
    public string Postgres { get; set; } = "";

    /// <summary>
    /// The most PostgreSQL connections one signer process holds for the directory (its pool's <c>Maximum Pool Size</c>, or
    /// the connection string's own when lower; <c>Pooling=false</c> is refused). 0 (default) = derived
    /// (<see cref="PostgresPoolDefaults.DirectoryMaxConnections"/>): the signer's protect slots plus its harvests at once,
    /// so that no look-up waits for a connection. Else 1 to 1,000.
    /// </summary>
    public int MaxConnections { get; set; }

    /// <summary>Prefix of the PostgreSQL table names (a-z, 0-9, '_'). Default <c>smime_</c>.</summary>
    public string TablePrefix { get; set; } = "smime_";

    /// <summary>A file holding the PostgreSQL password (a mounted Secret); optional.</summary>
    public string PasswordFile { get; set; } = "";

    /// <summary>What an unreachable CRL/OCSP source means. Default <see cref="RevocationPolicy.Strict"/>.</summary>
    public RevocationPolicy Revocation { get; set; } = RevocationPolicy.Strict;

    /// <summary>How long directory lookups are served from memory. Default 30 s.</summary>
    public TimeSpan CacheLifetime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Timeout of one CRL or OCSP request. Default 10 s.</summary>
    public TimeSpan RevocationTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
