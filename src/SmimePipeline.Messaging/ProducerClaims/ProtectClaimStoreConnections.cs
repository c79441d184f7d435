using SmimePipeline.Postgres;

namespace SmimePipeline.Messaging.ProducerClaims;

/// <summary>
/// The claim store's defaults for the bound on its PostgreSQL connections (<see cref="PostgresPoolBound"/>, the rule every
/// store shares): a <see cref="PostgresProtectClaimStore"/> holds at most that many, or the connection string's own
/// <c>Maximum Pool Size</c> when lower, and no connection is held across a wait for anything else.
/// </summary>
public static class ProtectClaimStoreConnections
{
    /// <summary>The producers' default bound (the client's <c>SmimePipeline:ClaimStoreMaxConnections</c>): 4 per process.</summary>
    public const int DefaultProducerMaxConnections = 4;

    /// <summary>The signers' default bound (<c>SmimePipeline:ProducerClaims:MaxConnections</c>): 8 per signer process.</summary>
    public const int DefaultSignerMaxConnections = 8;

    /// <summary>How the claim store is named in the messages of <see cref="PostgresPoolBound"/>.</summary>
    public const string StoreName = "the claim store";
}
