using System.CommandLine;
using RabbitMQ.Client.Exceptions;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.Cli.Commands;

/// <summary>
/// <c>smime dlq list | show MAILID | requeue MAILID | requeue --all [--reason R]</c>: the sender's
/// dead-letter queue (<c>smime-deliver-dead</c>, the default) or, with <c>--queue</c>, the signer's
/// (<c>smime-protect_error</c>) or any MassTransit error queue, for operators. Safe while workers run.
/// </summary>
internal static class DlqCommand
{
    public static Command Create()
    {
        var rabbit = BrokerOption.Create("The broker, e.g. amqp://guest:guest@localhost:5672/.", required: true, recursive: true);
        var queue = new Option<string>("--queue") { Description = "The dead-letter queue: smime-deliver-dead (default), smime-protect_error (the signer's), or another *_error queue.", DefaultValueFactory = _ => RetryLadderTopology.DeadLetterQueue, Recursive = true };
        var command = new Command("dlq", "Inspect and requeue mail in the dead-letter queue.") { rabbit, queue };

        var list = new Command("list", "One line per dead-lettered mail: id, reason, attempts, when, the ESP's answer.");
        list.SetAction((parse, ct) => CommandRunner.RunAsync(() => WithBrowserAsync(BrokerOption.Require(parse, rabbit), parse.GetRequiredValue(queue), async browser =>
        {
            var messages = await browser.TakeAllAsync(ct);
            Console.WriteLine($"{"MAIL ID",-36}  {"REASON",-22}  {"ATTEMPTS",8}  {"DEAD-LETTERED AT",-28}  ESP ANSWER OR REASON");
            foreach (var (message, _) in messages)
            {
                Console.WriteLine($"{message.MailId,-36}  {message.ReasonCode ?? "-",-22}  {message.Header(SenderHeaders.Attempt) ?? "-",8}  {message.DeadLetteredAt ?? "-",-28}  {message.Detail ?? "-"}");
            }

            Console.Error.WriteLine($"smime: {messages.Count} mail(s) in {parse.GetRequiredValue(queue)}");
            return 0;
        }, ct)));

        var showId = new Argument<Guid>("mail-id") { Description = "The mail id." };
        var show = new Command("show", "Every header of one dead-lettered mail (never its content).") { showId };
        show.SetAction((parse, ct) => CommandRunner.RunAsync(() => WithBrowserAsync(BrokerOption.Require(parse, rabbit), parse.GetRequiredValue(queue), async browser =>
        {
            var id = parse.GetRequiredValue(showId).ToString("D");
            var matches = (await browser.TakeAllAsync(ct)).Where(m => m.Message.MailId == id).ToList();
            if (matches.Count == 0)
            {
                throw new CliException($"mail {id} is not in {parse.GetRequiredValue(queue)}.");
            }

            foreach (var (message, _) in matches)
            {
                Console.WriteLine($"mail {message.MailId} ({message.BodySize} bytes on the queue)");
                Console.WriteLine($"  content-type: {message.ContentType ?? "-"}");
                foreach (var (name, value) in message.Headers)
                {
                    Console.WriteLine($"  {name}: {value}");
                }
            }

            return 0;
        }, ct)));

        var requeueId = new Argument<Guid?>("mail-id") { Description = "The mail id to requeue.", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Requeue every dead-lettered mail (optionally only those with --reason)." };
        var reason = new Option<string?>("--reason") { Description = "With --all: only mail dead-lettered with this reason code (e.g. esp-rejected)." };
        var requeue = new Command("requeue", "Put dead-lettered mail back on its work queue (smime-deliver, or smime-protect for smime-protect_error) with a fresh attempt count.") { requeueId, all, reason };
        requeue.SetAction((parse, ct) => CommandRunner.RunAsync(() =>
        {
            var id = parse.GetValue(requeueId);
            var everything = parse.GetValue(all);
            var reasonCode = parse.GetValue(reason);
            if (id is null == !everything || (reasonCode is not null && !everything))
            {
                throw new CliException("requeue needs exactly one of MAILID or --all (--reason only with --all).");
            }

            return WithBrowserAsync(BrokerOption.Require(parse, rabbit), parse.GetRequiredValue(queue), async browser =>
            {
                var selected = (await browser.TakeAllAsync(ct))
                    .Where(m => id is { } mailId ? m.Message.MailId == mailId.ToString("D") : reasonCode is null || m.Message.ReasonCode == reasonCode)
                    .ToList();
                if (id is not null && selected.Count == 0)
                {
                    throw new CliException($"mail {id:D} is not in {parse.GetRequiredValue(queue)}.");
                }

                foreach (var (message, raw) in selected)
                {
                    await browser.RequeueAsync(raw, DateTimeOffset.UtcNow, ct);
                    Console.WriteLine(message.MailId);
                }

                Console.Error.WriteLine($"smime: requeued {selected.Count} mail(s) to {browser.WorkQueue}");
                return 0;
            }, ct);
        }));

        command.Subcommands.Add(list);
        command.Subcommands.Add(show);
        command.Subcommands.Add(requeue);
        return command;
    }

    private static async Task<int> WithBrowserAsync(Uri broker, string queue, Func<DlqBrowser, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            await using var browser = await DlqBrowser.OpenAsync(broker, queue, cancellationToken);
            return await body(browser);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            throw new CliException($"{queue} does not exist on {broker.Host}: no sender has started there yet.");
        }
        catch (BrokerUnreachableException e)
        {
            throw new CliException($"cannot reach RabbitMQ at {broker.Host}:{broker.Port}: {e.InnerException?.Message ?? e.Message}");
        }
    }
}
