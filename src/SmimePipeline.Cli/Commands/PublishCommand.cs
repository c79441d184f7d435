using System.CommandLine;
using SmimePipeline.Cli.Telemetry;
using SmimePipeline.Client;
using SmimePipeline.Contracts;

namespace SmimePipeline.Cli.Commands;

/// <summary>
/// <c>smime publish FILE|DIR|- … --rabbitmq URI</c>: the producer side from the shell. Every message goes over one
/// connection with publisher confirms, up to <c>--in-flight</c> of them unconfirmed at once; one line per
/// published mail on stdout (<c>MAILID&lt;TAB&gt;SOURCE</c>), one line per failed input on stderr, then the count.
/// Exit 0 when every input was published, 1 when any failed (the others are still published).
/// </summary>
internal static class PublishCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs")
        {
            Description = "Messages (.eml files), directories (their *.eml files) or - for standard input (see --stdin-format).",
            Arity = ArgumentArity.OneOrMore,
        };
        var rabbit = BrokerOption.Create("The broker, e.g. amqp://guest:guest@localhost:5672/.", required: true);
        var signOnly = new Option<bool>("--sign-only") { Description = "Sign without encrypting." };
        var stdinFormat = new Option<string>("--stdin-format")
        {
            Description = "How - is read: paths (default: one file or directory path per line) or mbox (an mbox stream of messages).",
            DefaultValueFactory = _ => PublishInputs.PathsFormat,
        };
        stdinFormat.AcceptOnlyFromAmong(PublishInputs.PathsFormat, PublishInputs.MboxFormat);
        var maxBytes = new Option<int>("--max-bytes")
        {
            Description = $"Refuse a message larger than this, before it reaches the broker (default {MessageSizeLimits.DefaultMaxMessageBytes}, SparkPost's limit).",
            DefaultValueFactory = _ => MessageSizeLimits.DefaultMaxMessageBytes,
        };
        var inFlight = new Option<int>("--in-flight") { Description = "Publishes awaiting the broker's confirm at once (default 64).", DefaultValueFactory = _ => 64 };
        var format = new Option<ProtectCommandFormat>("--format")
        {
            Description = "How the messages travel to the signers: Binary (default; signers of this version on) or Json (MassTransit's envelope, read by older signers too).",
            DefaultValueFactory = _ => ProtectCommandFormat.Binary,
        };
        var command = new Command("publish", "Hand existing messages to the pipeline's signer workers over one connection.")
        {
            inputs, rabbit, signOnly, stdinFormat, maxBytes, inFlight, format,
        };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var limit = parseResult.GetValue(maxBytes);
            var window = parseResult.GetValue(inFlight);
            if (limit < 1)
            {
                throw new CliException("--max-bytes must be at least 1.");
            }

            if (window is < 1 or > 10_000)
            {
                throw new CliException("--in-flight must be between 1 and 10000.");
            }

            var broker = BrokerOption.Require(parseResult, rabbit);
            var policy = parseResult.GetValue(signOnly) ? SecurityPolicy.SignOnly : SecurityPolicy.SignAndEncrypt;
            // Disposed last: the spans of every publish are flushed to the OTLP endpoint after the bus stopped.
            using var telemetry = await CliTelemetry.StartAsync(cancellationToken);
            await using var run = new PublishRun(broker, policy, limit, window, parseResult.GetValue(format));
            await foreach (var input in PublishInputs.ReadAsync(
                parseResult.GetRequiredValue(inputs), parseResult.GetRequiredValue(stdinFormat), Console.OpenStandardInput(), run.Fail, cancellationToken))
            {
                await run.PublishAsync(input, cancellationToken);
            }

            await run.CompleteAsync();
            Console.Error.WriteLine($"smime: published {run.Published} of {run.Published + run.Failed} message(s) to queue {QueueNames.Protect}" + (run.Failed > 0 ? $"; {run.Failed} failed" : ""));
            return run.Failed == 0 ? 0 : 1;
        }));
        return command;
    }
}
