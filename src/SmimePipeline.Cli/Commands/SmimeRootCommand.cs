using System.CommandLine;

namespace SmimePipeline.Cli.Commands;

/// <summary>The <c>smime</c> command and its sub-commands.</summary>
public static class SmimeRootCommand
{
    /// <summary>Builds the command tree.</summary>
    public static RootCommand Create()
    {
        var root = new RootCommand("SmimePipeline: sign and encrypt application mail with S/MIME, at high throughput.");
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(ProtectCommand.Create());
        root.Subcommands.Add(CertsCommand.Create());
        root.Subcommands.Add(PublishCommand.Create());
        root.Subcommands.Add(DlqCommand.Create());
        root.Subcommands.Add(MailCommand.Create());
        root.Subcommands.Add(WebhooksCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        return root;
    }
}
