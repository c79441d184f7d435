using SmimePipeline.Delivery;
using SmimePipeline.Delivery.Ledger;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// Writes the ledger's "accepted" record after the ESP accepted a mail, and tries again in place for up to
/// <see cref="Budget"/> when the write fails (PostgreSQL restarting or failing over, a dropped connection, SQLite busy).
/// Until the record is in, the mail's entry says <c>handing</c>, and a copy of the mail that claims it after the hand-over
/// limit (the ESP's timeout + <see cref="HandOverDeadline.Margin"/>, counted from the claim, which was made before the ESP
/// call) is sent again. The budget is shorter than that margin, so it ends before any claim can be taken over: a ledger
/// blink shorter than the budget sends nothing twice. When the budget runs out the mail is still treated as accepted
/// (it is: the ESP has it): <c>EmailDelivered</c> goes out and the message is acknowledged, so no copy of this delivery
/// remains to be sent again; only a copy from elsewhere (a broker redelivery or a <c>smime dlq requeue</c> of the same
/// mail) that reaches a sender after the hand-over limit, while the entry still says <c>handing</c>, would be.
/// </summary>
internal static class AcceptedRecordRetry
{
    /// <summary>How long the write is tried after the ESP's answer: 10 s, 5 s inside <see cref="HandOverDeadline.Margin"/>.</summary>
    public static readonly TimeSpan Budget = HandOverDeadline.Margin - TimeSpan.FromSeconds(5);

    // Waits between tries: quick at first (a dropped pooled connection is replaced at once), then every second.
    private static readonly TimeSpan[] Waits = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1)];

    /// <summary>
    /// Records <paramref name="receipt"/> as <paramref name="mailId"/>'s acceptance. Returns true once the ledger has it,
    /// false when every try within <see cref="Budget"/> failed (logged). Never throws for a failed write.
    /// </summary>
    public static async Task<bool> RecordAsync(IDeliveryLedger ledger, Guid mailId, DeliveryReceipt receipt, TimeProvider time, ILogger logger)
    {
        var started = time.GetTimestamp();
        // Each try is bounded by what is left of the budget: an unreachable server must not hold it for Npgsql's 15 s.
        using var budget = new CancellationTokenSource(Budget, time);
        for (var tries = 1; ; tries++)
        {
            try
            {
                await ledger.RecordAcceptedAsync(mailId, receipt.Provider, receipt.ProviderMessageId, time.GetUtcNow(), budget.Token);
                if (tries > 1)
                {
                    SenderLog.AcceptedRecordedAfterRetry(logger, mailId, receipt.Provider, tries, time.GetElapsedTime(started));
                }

                return true;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                var wait = Waits[Math.Min(tries, Waits.Length) - 1];
                if (budget.IsCancellationRequested || time.GetElapsedTime(started) + wait >= Budget)
                {
                    SenderLog.AcceptedNotRecorded(logger, mailId, receipt.Provider, receipt.ProviderMessageId, tries, Budget, e.GetType().Name);
                    return false;
                }

                if (tries == 1)
                {
                    SenderLog.AcceptedRecordRetrying(logger, mailId, receipt.Provider, e.GetType().Name, Budget);
                }

                await Task.Delay(wait, time, CancellationToken.None);
            }
        }
    }
}
