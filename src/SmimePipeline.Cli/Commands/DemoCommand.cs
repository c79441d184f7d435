using System.CommandLine;
using SmimePipeline.Cli.Demo;

namespace SmimePipeline.Cli.Commands;

/// <summary><c>smime demo</c>: the whole pipeline on embedded defaults.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var messages = new Option<int>("--messages", "-n") { Description = "How many mails to send.", DefaultValueFactory = _ => 1000 };
        var rabbit = new Option<Uri?>("--rabbitmq") { Description = "Use this RabbitMQ instead of the in-memory transport, e.g. amqp://guest:guest@localhost:5672/." };
        var dir = new Option<string>("--dir") { Description = "Where the demo keeps its certificates and outbox.", DefaultValueFactory = _ => "smime-demo" };
        var command = new Command("demo", "Create demo certificates, run signer and sender in this process, and send N varied mails to a pickup directory.")
        {
            messages, rabbit, dir,
        };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(() =>
        {
            var count = parseResult.GetValue(messages);
            if (count < 1)
            {
                throw new CliException("--messages must be at least 1.");
            }

            return new DemoRunner(parseResult.GetRequiredValue(dir), count, parseResult.GetValue(rabbit), Console.Out).RunAsync(cancellationToken);
        }));
        return command;
    }
}
