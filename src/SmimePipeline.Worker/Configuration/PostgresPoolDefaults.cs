using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Worker.Signing;

namespace SmimePipeline.Worker.Configuration;

/// <summary>
/// The worker's bounds on PostgreSQL connections where the operator left them at 0, derived from what bounds each store's
/// statements in flight, so that at the default no statement waits for a connection and none is opened beyond need
/// (README "Sizing PostgreSQL connections"). Each statement takes a pooled connection and gives it back when it ends;
/// none is held across the ESP, the broker or a protection.
/// </summary>
public static class PostgresPoolDefaults
{
    /// <summary>
    /// The delivery ledger's share for the webhooks role: its DSN handler asks the ledger whether it knows a mail, once per
    /// HTTP request, and no consumer setting bounds those requests; 4, as the recipient-fate ledger's default.
    /// </summary>
    public const int WebhooksLedgerConnections = PostgresRecipientFateLedger.DefaultMaxConnections;

    /// <summary>
    /// The certificate directory's bound: <c>Directory:MaxConnections</c>, or when 0 the signer's protect slots
    /// (<c>Signer:Concurrency</c>, one per core by default: recipient look-ups and the anchors run inside a slot) plus
    /// <see cref="HarvestCertificateConsumerDefinition.ConcurrentMessages"/> (2 harvests writing at once). The in-flight
    /// window (<c>Signer:InFlight</c>) does not count: mails waiting for the broker hold no slot and no connection.
    /// </summary>
    /// <param name="options">The worker's options.</param>
    public static int DirectoryMaxConnections(SmimePipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Directory.MaxConnections > 0
            ? options.Directory.MaxConnections
            : options.Signer.EffectiveConcurrency + HarvestCertificateConsumerDefinition.ConcurrentMessages;
    }

    /// <summary>
    /// The delivery ledger's bound: <paramref name="configured"/> (<c>Delivery:Ledger:MaxConnections</c>), or when 0
    /// <c>Sender:Concurrency</c> for the sender role (a delivery's ledger statements run one after another, so a sender
    /// never has more in flight than mails it hands over at once) plus <see cref="WebhooksLedgerConnections"/> for the
    /// webhooks role; <see cref="PostgresDeliveryLedger.DefaultMaxConnections"/> when neither role runs.
    /// </summary>
    /// <param name="options">The worker's options.</param>
    /// <param name="configured">The configured bound, 0 for derived.</param>
    public static int DeliveryLedgerMaxConnections(SmimePipelineOptions options, int configured)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (configured != 0)
        {
            return configured;
        }

        int derived = (options.Roles.HasFlag(WorkerRoles.Sender) ? options.Sender.Concurrency : 0)
            + (options.Roles.HasFlag(WorkerRoles.Webhooks) ? WebhooksLedgerConnections : 0);
        return derived > 0 ? derived : PostgresDeliveryLedger.DefaultMaxConnections;
    }
}
