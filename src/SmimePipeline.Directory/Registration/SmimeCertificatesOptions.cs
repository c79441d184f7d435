using SmimePipeline.Cryptography.Certificates;

namespace SmimePipeline.CertificateDirectory.Registration;

/// <summary>
/// Everything that decides which certificate is used and whether it may be: the file store, the recipient
/// directory, revocation and caching, mounted signer identities. One instance configures
/// <see cref="SmimeCertificatesServiceCollectionExtensions.AddSmimeCertificates"/> for the signer worker,
/// <c>smime protect</c>, <c>smime certs</c> and <c>smime bench</c> alike.
/// </summary>
public sealed class SmimeCertificatesOptions
{
    /// <summary>The certificate store directory (signer keys, recipient certificates, anchors). Required.</summary>
    public string StorePath { get; set; } = "";

    /// <summary>SQLite (default) or PostgreSQL.</summary>
    public RecipientDirectoryProvider Provider { get; set; } = RecipientDirectoryProvider.Sqlite;

    /// <summary>The SQLite file; default <c>directory.sqlite</c> in <see cref="StorePath"/>.</summary>
    public string SqlitePath { get; set; } = "";

    /// <summary>The Npgsql connection string (required for <see cref="RecipientDirectoryProvider.Postgres"/>), without its password when <see cref="PostgresPasswordFile"/> is set.</summary>
    public string Postgres { get; set; } = "";

    /// <summary>A file holding the PostgreSQL password (a mounted Secret); optional.</summary>
    public string PostgresPasswordFile { get; set; } = "";

    /// <summary>
    /// The most PostgreSQL connections the directory holds at once (its pool's <c>Maximum Pool Size</c>, or the connection
    /// string's own when lower; <c>Pooling=false</c> is refused). 0 (default) =
    /// <see cref="PostgresRecipientDirectory.DefaultMaxConnections"/> (4); the signer worker sets it from its concurrency
    /// (<c>SmimePipeline:Directory:MaxConnections</c>). Else 1 to 1,000.
    /// </summary>
    public int PostgresMaxConnections { get; set; }

    /// <summary>The directory's bound: <see cref="PostgresMaxConnections"/>, or <see cref="PostgresRecipientDirectory.DefaultMaxConnections"/> when it is 0.</summary>
    public int EffectivePostgresMaxConnections => PostgresMaxConnections == 0 ? PostgresRecipientDirectory.DefaultMaxConnections : PostgresMaxConnections;

    /// <summary>Prefix of the PostgreSQL table names (a-z, 0-9, '_'). Default <c>smime_</c>.</summary>
    public string TablePrefix { get; set; } = "smime_";

    /// <summary>What an unreachable CRL/OCSP source means. Default <see cref="RevocationPolicy.Strict"/>.</summary>
    public RevocationPolicy Revocation { get; set; } = RevocationPolicy.Strict;

    /// <summary>How long directory lookups and successful validations are reused. Default 30 s.</summary>
    public TimeSpan CacheLifetime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Timeout of one CRL or OCSP request. Default 10 s.</summary>
    public TimeSpan RevocationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Mounted signer identities (one directory per identity: <c>tls.crt</c>/<c>tls.key</c> or <c>identity.p12</c>
    /// + <c>password</c>); optional. Identities found here win over those in <see cref="StorePath"/>.
    /// </summary>
    public string IdentitiesPath { get; set; } = "";

    /// <summary>The SQLite file actually used: <see cref="SqlitePath"/>, else <c>directory.sqlite</c> in the store.</summary>
    public string EffectiveSqlitePath => SqlitePath is { Length: > 0 } path ? path : System.IO.Path.Combine(StorePath, "directory.sqlite");
}
