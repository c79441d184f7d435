using SmimePipeline.Messaging.ProducerClaims;

namespace SmimePipeline.Worker.Configuration;

/// <summary>
/// The producer claim check on the signers' side (section <c>SmimePipeline:ProducerClaims</c>): where large
/// <c>ProtectEmail</c>/<c>ProtectMimeMessage</c> commands wait, stored by producers, referenced on the bus by a
/// <c>ProtectCommandClaim</c>, and how long they are kept.
/// </summary>
public sealed class ProducerClaimOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "SmimePipeline:ProducerClaims";

    /// <summary>
    /// Npgsql connection string of the claim store (table <c>smime_protect_claims</c>, created by the signers at
    /// start). The signers' role needs <c>SELECT</c>, <c>UPDATE (consumed, content, length)</c>, <c>DELETE</c> and, for the first start,
    /// <c>CREATE</c> on the schema. Default null: with RabbitMQ no claim store, so a <c>ProtectCommandClaim</c> is
    /// dead-lettered as <c>claim-refused</c> naming this setting; with the in-memory transport claims stay in memory.
    /// </summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>A file holding the PostgreSQL password (a mounted Secret); it overrides a password in the connection string.</summary>
    public string? PostgresPasswordFile { get; set; }

    /// <summary>
    /// How long a claim stays after its mail was protected and its <c>DeliverEmail</c> confirmed by the broker, so that
    /// the command redelivered after a crash before its ack still finds it (the delivery ledger keeps the second
    /// <c>DeliverEmail</c> from being sent twice). Default 1 hour.
    /// </summary>
    public TimeSpan ConsumedGracePeriod { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long any claim may stay: the claim of a mail in <c>smime-protect_error</c> stays this long so that
    /// <c>smime dlq requeue</c> can still protect it, and a claim whose reference never reached the broker is deleted
    /// after it. Must be longer than <see cref="ConsumedGracePeriod"/>. Default 7 days.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the signers delete expired claims. Default 10 minutes.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How often a signer that released claims' content since the last time vacuums the claim table (<c>VACUUM
    /// (SKIP_LOCKED, TRUNCATE false)</c>), so that the next claims reuse the released space instead of growing the table
    /// until autovacuum comes by (issue 17, session 16: PostgreSQL's data-page writes per 1.5 MB claim fell from 3.1–4.9 MB to
    /// 0.2–0.6 MB). Needs the signers' role to own the table (it does when the signers created it). Default 2 seconds;
    /// <see cref="TimeSpan.Zero"/> turns it off (autovacuum only); otherwise at least 100 ms.
    /// </summary>
    public TimeSpan VacuumInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The most PostgreSQL connections one signer process holds for the claim store at once (claim reads, marking
    /// claims consumed, the sweep and the start's DDL share them): its pool's <c>Maximum Pool Size</c>, or the connection
    /// string's own <c>Maximum Pool Size</c> when that is lower. Reads beyond it wait for a connection; none is held
    /// while the mail is protected or the broker confirms. Size it so that every signer and producer process together
    /// stay below the server's <c>max_connections</c> minus <c>superuser_reserved_connections</c>. Default
    /// <see cref="ProtectClaimStoreConnections.DefaultSignerMaxConnections"/> (8); must be
    /// between 1 and 1,000.
    /// </summary>
    public int MaxConnections { get; set; } = ProtectClaimStoreConnections.DefaultSignerMaxConnections;

    /// <summary>
    /// How long a claim read waits for a PostgreSQL that refuses connections (<c>53300</c>, <c>57P03</c>…), cannot be
    /// reached or does not answer in time, trying again after 0.5 s, 1 s, 2 s… up to 30 s between tries (less than 0.5 s
    /// left of the period ends it: no try after a sliver of a wait). The mail holds
    /// its place in the signer's window meanwhile, and is delivered once the store answers; after this long it goes to
    /// <c>smime-protect_error</c> as <c>claim-store-unavailable</c> (its claim stays, for <c>smime dlq requeue</c>).
    /// Failures that need an operator (a missing table or grant) get only the three short retries. Default 5 minutes;
    /// must be between 1 second and 20 minutes (below RabbitMQ's 30-minute consumer timeout).
    /// </summary>
    public TimeSpan UnavailableRetryPeriod { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The connection string with the password from <see cref="PostgresPasswordFile"/>, when one is given.</summary>
    public string ResolvePostgresConnectionString()
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(PostgresConnectionString);
        if (PostgresPasswordFile is { Length: > 0 } file)
        {
            builder.Password = File.ReadAllText(file).Trim();
        }

        return builder.ConnectionString;
    }
}
