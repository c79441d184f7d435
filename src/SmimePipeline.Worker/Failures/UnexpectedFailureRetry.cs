using MassTransit;

namespace SmimePipeline.Worker.Failures;

/// <summary>
/// The short in-process retries MassTransit gives a message whose handling threw something unexpected
/// (a database or broker hiccup): 200 ms, 1 s, 5 s. A consumer reports the mail as failed only on the
/// last of those attempts, so a blip does not dead-letter anything and a lasting fault is still seen.
/// </summary>
public static class UnexpectedFailureRetry
{
    /// <summary>The delays between attempts.</summary>
    public static IReadOnlyList<TimeSpan> Intervals { get; } = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)];

    /// <summary>Configures MassTransit's retry with <see cref="Intervals"/>; exceptions that are permanent refusals are not retried.</summary>
    public static void Configure(IRetryConfigurator retry)
    {
        ArgumentNullException.ThrowIfNull(retry);
        retry.Ignore<MailDeadLetteredException>();
        retry.Ignore(typeof(Cryptography.Errors.ProtectionRefusedException));
        retry.Ignore<Validation.MailRefusedException>();
        // The sender's routing refused by the broker: not handed to the ESP again (DeliveryHandler), the filter reports it.
        retry.Ignore<Messaging.BrokerSendRefusedException>(e => e.IsPermanent);
        // An unavailable PKCS#11 token and a directory outage have their own, longer retries around this one
        // (SignerConsumerDefinition, HarvestCertificateConsumerDefinition).
        retry.Ignore<Exception>(UnavailableBackoff.IsWaitedFor);
        retry.Intervals([.. Intervals]);
    }

    /// <summary>True when MassTransit will not retry <paramref name="context"/> again after this attempt.</summary>
    public static bool IsLastAttempt(ConsumeContext context) => context.GetRetryAttempt() >= Intervals.Count;
}
