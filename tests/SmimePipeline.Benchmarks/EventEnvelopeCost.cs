using System.Globalization;
using System.Text.Json;
using MassTransit;
using MassTransit.Context;
using MassTransit.Serialization;
using SmimePipeline.Contracts;

namespace SmimePipeline.Benchmarks;

/// <summary>
/// <c>event-json [rounds] [events per slice]</c> (issue 17, session 14): what MassTransit's System.Text.Json serializer
/// spends on one per-mail event (<see cref="EmailProtected"/> with two recipients, <see cref="EmailDelivered"/>), envelope
/// and all, as <c>SystemTextJsonMessageBody.GetBytes()</c> runs it on every publish: with MassTransit's options as the bus
/// uses them (indented) and with the same options not indented, in alternating slices on this thread; thread CPU time per
/// event, bytes per event and bytes allocated per event (with the send context, as a publish makes one). One line per
/// round and the medians.
/// </summary>
internal static class EventEnvelopeCost
{
    public static void Run(string[] args)
    {
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        var perSlice = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20_000;
        var defaults = new JsonSerializerOptions(SystemTextJsonMessageSerializer.Options);
        var compact = new JsonSerializerOptions(SystemTextJsonMessageSerializer.Options) { WriteIndented = false };
        var series = new[] { ("indented (MassTransit's)", defaults), ("not indented", compact) };

        var protectedEvent = new EmailProtected
        {
            MailId = Guid.NewGuid(),
            SignatureAlgorithm = "sha256WithRSAEncryption",
            ContentCipher = "aes256-cbc",
            ProtectedSize = 91_342,
            ProtectedAt = DateTimeOffset.UtcNow,
            Recipients =
            [
                new RecipientOutcome { Address = "alice@example.org", Outcome = "encrypted" },
                new RecipientOutcome { Address = "sender-copy@example.com", Outcome = "encrypted" },
            ],
        };
        var deliveredEvent = new EmailDelivered
        {
            MailId = protectedEvent.MailId,
            Provider = "pickup",
            ProviderMessageId = protectedEvent.MailId.ToString("N"),
            AcceptedRecipients = ["alice@example.org"],
            DeliveredAt = DateTimeOffset.UtcNow,
        };

        Console.WriteLine($"event-json: {rounds} rounds, {perSlice:N0} events of each kind per slice, order alternating by round");
        var results = series.ToDictionary(s => s.Item1, _ => new List<(double Micros, long Bytes, double Allocated)>());
        for (var round = 0; round < rounds + 1; round++)
        {
            var order = round % 2 == 0 ? series : [.. series.Reverse()];
            var line = new List<string>();
            foreach (var (name, options) in order)
            {
                var measured = Measure(options, protectedEvent, deliveredEvent, perSlice);
                if (round == 0)
                {
                    continue; // warm-up round: both series through the JIT's tiers before anything counts
                }

                results[name].Add(measured);
                line.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {measured.Micros:F2} µs, {measured.Bytes} B, {measured.Allocated:F0} B allocated"));
            }

            if (round > 0)
            {
                Console.WriteLine($"round {round}: {string.Join("; ", line)}");
            }
        }

        var baseline = Median(results[series[0].Item1].Select(r => r.Micros));
        foreach (var (name, _) in series)
        {
            var micros = Median(results[name].Select(r => r.Micros));
            var last = results[name][^1];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}: median {micros:F2} µs CPU per event ({micros / baseline:F3}x), {last.Bytes} B per event, {last.Allocated:F0} B allocated per event"));
        }
    }

    private static (double Micros, long Bytes, double Allocated) Measure(
        JsonSerializerOptions options, EmailProtected protectedEvent, EmailDelivered deliveredEvent, int count)
    {
        long bytes = 0;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var cpu = ThreadCpu();
        for (var i = 0; i < count; i++)
        {
            bytes += Serialize(options, protectedEvent);
            bytes += Serialize(options, deliveredEvent);
        }

        var micros = (ThreadCpu() - cpu).TotalMicroseconds / (2.0 * count);
        return (micros, bytes / (2 * count), (GC.GetAllocatedBytesForCurrentThread() - allocated) / (2.0 * count));
    }

    // What a publish's body does: the send context's envelope (ids, addresses, message types, headers, host) written
    // by SystemTextJsonMessageBody with the given options.
    private static int Serialize<T>(JsonSerializerOptions options, T message)
        where T : class
    {
        var context = new MessageSendContext<T>(message)
        {
            MessageId = NewId.NextGuid(),
            ConversationId = NewId.NextGuid(),
            InitiatorId = NewId.NextGuid(),
            SourceAddress = new Uri("rabbitmq://localhost/smime-protect"),
            DestinationAddress = new Uri($"rabbitmq://localhost/{typeof(T).FullName}"),
        };
        context.Headers.Set("MT-Activity-Id", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        return new SystemTextJsonMessageBody<T>(context, options).GetBytes().Length;
    }

    private static TimeSpan ThreadCpu()
    {
        // /proc/thread-self/schedstat: the thread's time on a CPU in nanoseconds (the first field).
        var text = File.ReadAllText("/proc/thread-self/schedstat");
        return TimeSpan.FromTicks(long.Parse(text.AsSpan(0, text.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture) / 100);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
