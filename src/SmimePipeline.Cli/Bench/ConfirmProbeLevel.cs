namespace SmimePipeline.Cli.Bench;

/// <summary>Publish → confirm at one number of publishes in flight, through one client.</summary>
/// <param name="Client"><c>rabbitmq-client</c> (RabbitMQ.Client 7 directly, one channel) or <c>masstransit</c> (a bus's send endpoint).</param>
/// <param name="InFlight">Publishes kept in flight: each of that many loops publishes and awaits its confirm, then publishes again.</param>
/// <param name="Publishes">Publishes confirmed in the measured interval.</param>
/// <param name="Seconds">The measured interval.</param>
/// <param name="PublishesPerSecond">Publishes ÷ seconds.</param>
/// <param name="Latency">From the publish call to its confirm, in ms.</param>
/// <param name="WireBytes">Average size of the message as the queue's consumer received it (MassTransit's envelope included).</param>
/// <param name="BrokerCpuMillisecondsPerPublish">The broker's CPU time (<c>--broker-pid</c>) per publish over the interval; null without it.</param>
internal sealed record ConfirmProbeLevel(
    string Client,
    int InFlight,
    int Publishes,
    double Seconds,
    double PublishesPerSecond,
    StageLatency Latency,
    double WireBytes,
    double? BrokerCpuMillisecondsPerPublish);
