using System.CommandLine;
using MassTransit;
using SmimePipeline.Client;
using SmimePipeline.Contracts;

namespace SmimePipeline.Cli.Commands;

/// <summary><c>smime publish IN.eml --rabbitmq URI</c>: the producer side from the shell.</summary>
internal static class PublishCommand
{
    public static Command Create()
    {
        var input = new Argument<FileInfo>("input") { Description = "The RFC 5322 message (.eml) to send through the pipeline." };
        var rabbit = BrokerOption.Create("The broker, e.g. amqp://guest:guest@localhost:5672/.", required: true);
        var signOnly = new Option<bool>("--sign-only") { Description = "Sign without encrypting." };
        var command = new Command("publish", "Hand an existing message to the pipeline's signer workers.") { input, rabbit, signOnly };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var file = parseResult.GetRequiredValue(input);
            if (!file.Exists)
            {
                throw new CliException($"{file.FullName}: no such file.");
            }

            var bytes = await File.ReadAllBytesAsync(file.FullName, cancellationToken);
            var broker = BrokerOption.Require(parseResult, rabbit);
            var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(broker));
            using var startTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            startTimeout.CancelAfter(TimeSpan.FromSeconds(30));
            await bus.StartAsync(startTimeout.Token);
            try
            {
                var policy = parseResult.GetValue(signOnly) ? SecurityPolicy.SignOnly : SecurityPolicy.SignAndEncrypt;
                var mailId = await new SmimeMailPublisher(bus).ProtectMimeAsync(bytes, policy, cancellationToken: cancellationToken);
                Console.WriteLine(mailId.ToString("D"));
                Console.Error.WriteLine($"smime: published {file.Name} as mail {mailId:D} to queue {QueueNames.Protect}");
            }
            finally
            {
                await bus.StopAsync(CancellationToken.None);
            }

            return 0;
        }));
        return command;
    }
}
