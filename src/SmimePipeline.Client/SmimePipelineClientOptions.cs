using SmimePipeline.Contracts;
using SmimePipeline.Messaging.ProducerClaims;

namespace SmimePipeline.Client;

/// <summary>Settings of the producer-side client (section <c>SmimePipeline</c> when bound from configuration).</summary>
public sealed class SmimePipelineClientOptions
{
    /// <summary>The default <see cref="ClaimCheckThresholdBytes"/>: 256 KB, the same as the workers' claim check towards the senders.</summary>
    public const int DefaultClaimCheckThresholdBytes = 256 * 1024;

    /// <summary>
    /// The largest protected message the pipeline accepts, in bytes; keep it equal to the workers'
    /// <c>SmimePipeline:MaxMessageBytes</c>. Mail that would certainly exceed it is refused with a
    /// <see cref="MessageTooLargeException"/> before anything is sent. Default
    /// <see cref="MessageSizeLimits.DefaultMaxMessageBytes"/> (20,000,000).
    /// </summary>
    public int MaxMessageBytes { get; set; } = MessageSizeLimits.DefaultMaxMessageBytes;

    /// <summary>
    /// Mail whose protected form is estimated above this many bytes goes to the signers' large-mail lane
    /// (<see cref="QueueNames.ProtectLarge"/>), so that it does not sit in front of small mails in <see cref="QueueNames.Protect"/>;
    /// default 0: everything goes to <see cref="QueueNames.Protect"/> (issue 17's measurements have not shown the lane
    /// shortening small mails' p99 yet; e.g. 262,144 turns it on for mail above 256 KB). Only on RabbitMQ, and only when
    /// a signer has bound the lane: the message is sent mandatory, and if the broker returns it (no signer of this
    /// version yet), it goes to <see cref="QueueNames.Protect"/> instead. Must be 0 or at least 65,536.
    /// </summary>
    public int LargeMailThresholdBytes { get; set; }

    /// <summary>
    /// How <c>ProtectEmail</c> and <c>ProtectMimeMessage</c> travel to the signers. Default
    /// <see cref="ProtectCommandFormat.Binary"/> (the mail's bytes raw in the body, no base64); set
    /// <see cref="ProtectCommandFormat.Json"/> while signers older than the binary format still run: upgrade the workers
    /// first, then the producers. Harvest requests always travel as JSON.
    /// </summary>
    public ProtectCommandFormat MessageFormat { get; set; } = ProtectCommandFormat.Binary;

    /// <summary>
    /// The producer claim check (issue 17): a command whose mail payload (bodies and attachments, or the RFC 5322
    /// message) is above this many bytes is stored in the producer claim store and only a small
    /// <c>ProtectCommandClaim</c> (mail id, claim address, length, SHA-256) travels through the queue, so that the
    /// quorum queue's write-ahead log never holds small mails up behind megabytes. Used only when a claim store is
    /// configured (<see cref="ClaimStorePostgresConnectionString"/>, or an <c>IProtectClaimStore</c> registered by the
    /// host); 0 turns it off. Default <see cref="DefaultClaimCheckThresholdBytes"/> (262,144). Must be 0 or at least 16,384.
    /// Signers must be of a version that consumes <c>ProtectCommandClaim</c> and have the same store configured
    /// (<c>SmimePipeline:ProducerClaims</c>): upgrade the workers first.
    /// </summary>
    public int ClaimCheckThresholdBytes { get; set; } = DefaultClaimCheckThresholdBytes;

    /// <summary>
    /// Npgsql connection string of the producer claim store (table <c>smime_protect_claims</c>, created by the signers).
    /// The producer's role needs only <c>INSERT</c> on it. Default null: no claim store of the client's own (everything
    /// travels inline unless the host registered an <c>IProtectClaimStore</c>).
    /// </summary>
    public string? ClaimStorePostgresConnectionString { get; set; }

    /// <summary>
    /// The most PostgreSQL connections this producer process holds for the claim store at once: its pool's
    /// <c>Maximum Pool Size</c> (or the connection string's own <c>Maximum Pool Size</c> when that is lower). Publishes
    /// beyond it wait for a connection (up to the connection string's <c>Timeout</c>, default 15 s) and then fail with a
    /// <c>ProtectClaimStoreException</c> naming the pool; no connection is held while the broker confirms. Size it so that
    /// every producer and signer process together stay below the server's <c>max_connections</c> minus
    /// <c>superuser_reserved_connections</c>. Default <see cref="ProtectClaimStoreConnections.DefaultProducerMaxConnections"/>
    /// (4); must be between 1 and 1,000.
    /// </summary>
    public int ClaimStoreMaxConnections { get; set; } = ProtectClaimStoreConnections.DefaultProducerMaxConnections;

    /// <summary>
    /// A file holding the claim store's PostgreSQL password (a mounted Secret); it overrides a password in
    /// <see cref="ClaimStorePostgresConnectionString"/>. Default null.
    /// </summary>
    public string? ClaimStorePostgresPasswordFile { get; set; }

    /// <summary>The claim store's connection string with the password from <see cref="ClaimStorePostgresPasswordFile"/>, when one is given.</summary>
    /// <exception cref="IOException">The password file cannot be read.</exception>
    public string ResolveClaimStoreConnectionString()
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(ClaimStorePostgresConnectionString);
        if (ClaimStorePostgresPasswordFile is { Length: > 0 } file)
        {
            builder.Password = File.ReadAllText(file).Trim();
        }

        return builder.ConnectionString;
    }
}
