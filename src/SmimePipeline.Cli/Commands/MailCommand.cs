using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SmimePipeline.Delivery.Ledger;

namespace SmimePipeline.Cli.Commands;

/// <summary>
/// <c>smime mail show MAILID [--json]</c> and <c>smime mail list --status bounced --since 24h [--json]</c>: what
/// happened to a mail after the ESP accepted it, per recipient, from the delivery ledger.
/// </summary>
internal static class MailCommand
{
    public static Command Create()
    {
        var ledgerPath = LedgerOption.CreatePath();
        var ledgerPostgres = LedgerOption.CreatePostgres();
        var json = new Option<bool>("--json") { Description = "Machine-readable output.", Recursive = true };
        var command = new Command("mail", "Each mail's fate after the ESP accepted it, from the delivery ledger.") { ledgerPath, ledgerPostgres, json };

        var mailId = new Argument<Guid>("mail-id") { Description = "The mail id." };
        var show = new Command("show", "The mail's whole story: handed to the ESP, then per recipient delivered, delayed, bounced or complained.") { mailId };
        show.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var (mails, fates) = LedgerOption.Open(parse, ledgerPath, ledgerPostgres);
            var id = parse.GetRequiredValue(mailId);
            var entry = await mails.FindAsync(id, ct);
            var story = await fates.ListAsync(id, ct);
            if (entry is null && story.Count == 0)
            {
                throw new CliException($"mail {id:D} is not in the delivery ledger.");
            }

            if (parse.GetValue(json))
            {
                WriteJson(writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("mailId", id.ToString("D"));
                    if (entry is not null)
                    {
                        writer.WriteString("state", entry.State == DeliveryLedgerState.Accepted ? "accepted" : "handing-to-esp");
                        writer.WriteString("provider", entry.Provider);
                        writer.WriteString("providerMessageId", entry.ProviderMessageId);
                        writer.WriteNumber("attempts", entry.Attempts);
                        writer.WriteString("updatedAt", entry.UpdatedAt);
                    }

                    writer.WriteStartArray("events");
                    foreach (var fate in story)
                    {
                        WriteFate(writer, fate);
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                });
                return 0;
            }

            Console.WriteLine($"mail {id:D}");
            if (entry is not null)
            {
                var state = entry.State == DeliveryLedgerState.Accepted ? "accepted by" : "being handed to";
                Console.WriteLine($"  {Time(entry.UpdatedAt)}  {state} {entry.Provider} as {entry.ProviderMessageId ?? "-"} ({entry.Attempts} attempt(s))");
            }

            foreach (var fate in story)
            {
                Console.WriteLine($"  {Time(fate.OccurredAt)}  {fate.Recipient}: {Describe(fate)}");
            }

            return 0;
        }));

        var status = new Option<RecipientFateKind>("--status") { Description = "delivered, delayed, bounced or complained.", Required = true };
        var since = new Option<string>("--since") { Description = "How far back: 30m, 24h, 7d (default 24h).", DefaultValueFactory = _ => "24h" };
        var limit = new Option<int>("--limit") { Description = "At most this many lines (default 1000).", DefaultValueFactory = _ => 1000 };
        var list = new Command("list", "One line per recipient event of one kind, newest first.") { status, since, limit };
        list.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var window = ParseWindow(parse.GetRequiredValue(since));
            var (_, fates) = LedgerOption.Open(parse, ledgerPath, ledgerPostgres);
            var found = await fates.ListAsync(parse.GetRequiredValue(status), DateTimeOffset.UtcNow - window, Math.Max(1, parse.GetValue(limit)), ct);
            if (parse.GetValue(json))
            {
                WriteJson(writer =>
                {
                    writer.WriteStartArray();
                    foreach (var fate in found)
                    {
                        WriteFate(writer, fate);
                    }

                    writer.WriteEndArray();
                });
                return 0;
            }

            Console.WriteLine($"{"WHEN",-20}  {"MAIL ID",-36}  {"RECIPIENT",-32}  WHAT");
            foreach (var fate in found)
            {
                Console.WriteLine($"{Time(fate.OccurredAt),-20}  {fate.MailId,-36}  {fate.Recipient,-32}  {Describe(fate)}");
            }

            Console.Error.WriteLine($"smime: {found.Count} event(s)");
            return 0;
        }));

        command.Subcommands.Add(show);
        command.Subcommands.Add(list);
        return command;
    }

    /// <summary>A window such as <c>30m</c>, <c>24h</c>, <c>7d</c>, or a TimeSpan (<c>1.12:00:00</c>).</summary>
    public static TimeSpan ParseWindow(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var unit = text.Length > 1 ? text[^1] : ' ';
        if (unit is 'm' or 'h' or 'd' && int.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var amount) && amount > 0)
        {
            return unit switch { 'm' => TimeSpan.FromMinutes(amount), 'h' => TimeSpan.FromHours(amount), _ => TimeSpan.FromDays(amount) };
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero
            ? span
            : throw new CliException($"--since '{text}' is not a window such as 30m, 24h or 7d.");
    }

    private static string Describe(RecipientFate fate) => fate.Kind switch
    {
        RecipientFateKind.Delivered => "delivered",
        RecipientFateKind.Delayed => $"delayed ({fate.RemoteAnswer ?? "no answer"})",
        RecipientFateKind.Bounced => $"bounced, {(fate.Hard == true ? "hard" : "soft")}, class {fate.BounceClass?.ToString(CultureInfo.InvariantCulture) ?? "-"} ({fate.EspEventType}): {fate.RemoteAnswer ?? "-"}",
        _ => $"complained ({fate.RemoteAnswer ?? "-"})",
    };

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static void WriteFate(Utf8JsonWriter writer, RecipientFate fate)
    {
        writer.WriteStartObject();
        writer.WriteString("mailId", fate.MailId.ToString("D"));
        writer.WriteString("recipient", fate.Recipient);
        writer.WriteString("status", fate.Kind.ToString().ToLowerInvariant());
        writer.WriteString("espEventType", fate.EspEventType);
        writer.WriteString("at", fate.OccurredAt);
        writer.WriteString("provider", fate.Provider);
        writer.WriteString("providerMessageId", fate.ProviderMessageId);
        if (fate.BounceClass is int bounceClass)
        {
            writer.WriteNumber("bounceClass", bounceClass);
        }

        if (fate.Hard is bool hard)
        {
            writer.WriteBoolean("hard", hard);
        }

        writer.WriteString("remoteAnswer", fate.RemoteAnswer);
        writer.WriteString("eventId", fate.EventId);
        writer.WriteEndObject();
    }

    private static void WriteJson(Action<Utf8JsonWriter> write)
    {
        using var stdout = Console.OpenStandardOutput();
        using (var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true }))
        {
            write(writer);
        }

        stdout.WriteByte((byte)'\n');
    }
}
