using Microsoft.Extensions.Options;
using SmimePipeline.Worker.Concurrency;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// The sender's delivery places by size (issue 17, target 2): <c>Sender:Concurrency</c> mails are delivered at once (the
/// ledger claim, the ESP's call and its answer), of which large mails (above <c>ClaimCheck:ThresholdBytes</c>: from the queue
/// by claim check, or the signer's in-process attempts, session 14) hold at most <c>Sender:LargeMailPlaces</c>; a freed place goes to the small mail that has waited longest (<see cref="SizeOrderedSlots"/>).
/// A large delivery (a 2.9 MB claim read, checked and written to the ESP with its fsync) holds a place ten times as long
/// as a small one; in the broker's first-come order small mails queued behind them. In a process that runs both roles, the
/// signer's in-process first attempts (<see cref="InProcessDelivery"/>) take these same places, so the ESP's concurrency and
/// the ledger's pool bound hold for both paths.
/// </summary>
/// <param name="options">Places as <c>SmimePipeline:Sender</c> configures them.</param>
public sealed class DeliverySlots(IOptions<SmimePipelineOptions> options)
    : SizeOrderedSlots(Math.Max(1, Sender(options).Concurrency), Sender(options).EffectiveLargeMailPlaces)
{
    private static SenderOptions Sender(IOptions<SmimePipelineOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Value.Sender;
    }
}
