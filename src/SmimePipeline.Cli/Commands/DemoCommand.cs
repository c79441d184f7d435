using System.CommandLine;
using SmimePipeline.Cli.Demo;

namespace SmimePipeline.Cli.Commands;

/// <summary><c>smime demo</c>: the whole pipeline on embedded defaults.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var messages = new Option<int>("--messages", "-n") { Description = "How many mails to send.", DefaultValueFactory = _ => 1000 };
        var rabbit = BrokerOption.Create("Use this RabbitMQ instead of the in-memory transport, e.g. amqp://guest:guest@localhost:5672/.");
        var workers = new Option<DemoWorkers>("--workers")
        {
            Description = "InProcess (default): signer and sender run here. External: only publish, to workers on the same --rabbitmq (e.g. the docker-compose stack).",
            DefaultValueFactory = _ => DemoWorkers.InProcess,
        };
        var dir = new Option<string>("--dir") { Description = "Where the demo keeps its certificates and outbox.", DefaultValueFactory = _ => "smime-demo" };
        var command = new Command("demo", "Create demo certificates, run signer and sender in this process, and send N varied mails to a pickup directory.")
        {
            messages, rabbit, workers, dir,
        };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(() =>
        {
            var count = parseResult.GetValue(messages);
            if (count < 1)
            {
                throw new CliException("--messages must be at least 1.");
            }

            var mode = parseResult.GetValue(workers);
            var broker = BrokerOption.Resolve(parseResult, rabbit);
            if (mode == DemoWorkers.External && broker is null)
            {
                throw new CliException("--workers external needs --rabbitmq URI: the workers must share a broker with the demo.");
            }

            return new DemoRunner(parseResult.GetRequiredValue(dir), count, broker, mode, Console.Out).RunAsync(cancellationToken);
        }));
        return command;
    }
}
