using System.CommandLine;
using SmimePipeline.CertificateDirectory;
using SmimePipeline.Cryptography.Certificates;

namespace SmimePipeline.Cli.Commands;

/// <summary><c>smime certs list | show ADDRESS | expiring --days N | remove ADDRESS|SHA256</c>.</summary>
internal static class CertsQueryCommands
{
    public static Command List()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON for scripts." };
        var store = StoreOption.Create();
        var postgres = DirectoryOption.Create();
        var command = new Command("list", "List signer identities, recipient certificates, anchors and intermediates.") { json, store, postgres };
        command.SetAction((parseResult, _) => CommandRunner.RunAsync(() =>
        {
            CertsOutput.Write(Rows(parseResult, store, postgres, null), parseResult.GetValue(json));
            return Task.FromResult(0);
        }));
        return command;
    }

    public static Command Show()
    {
        var address = new Argument<string>("address") { Description = "The mail address." };
        var json = new Option<bool>("--json") { Description = "Print JSON for scripts." };
        var store = StoreOption.Create();
        var postgres = DirectoryOption.Create();
        var command = new Command("show", "Show the certificates of one address.") { address, json, store, postgres };
        command.SetAction((parseResult, _) => CommandRunner.RunAsync(() =>
        {
            var rows = Rows(parseResult, store, postgres, parseResult.GetRequiredValue(address));
            if (rows.Count == 0)
            {
                throw new CliException($"No certificate for {parseResult.GetRequiredValue(address)}.");
            }

            CertsOutput.Write(rows, parseResult.GetValue(json));
            return Task.FromResult(0);
        }));
        return command;
    }

    public static Command Expiring()
    {
        var days = new Option<int>("--days") { Description = "List certificates that expire within this many days (default 30).", DefaultValueFactory = _ => 30 };
        var json = new Option<bool>("--json") { Description = "Print JSON for scripts." };
        var store = StoreOption.Create();
        var postgres = DirectoryOption.Create();
        var command = new Command("expiring", "List signer and recipient certificates that expire soon (or have expired).") { days, json, store, postgres };
        command.SetAction((parseResult, _) => CommandRunner.RunAsync(() =>
        {
            int within = parseResult.GetValue(days);
            var rows = Rows(parseResult, store, postgres, null).Where(r => r.Kind is "signer" or "recipient" && r.DaysToExpiry < within).ToList();
            CertsOutput.Write(rows, parseResult.GetValue(json));
            return Task.FromResult(0);
        }));
        return command;
    }

    public static Command Remove()
    {
        var target = new Argument<string>("address-or-sha256") { Description = "An address (every certificate filed under it) or a certificate's SHA-256 thumbprint." };
        var store = StoreOption.Create();
        var postgres = DirectoryOption.Create();
        var command = new Command("remove", "Remove certificates from the recipient directory.") { target, store, postgres };
        command.SetAction((parseResult, _) => CommandRunner.RunAsync(() =>
        {
            using var services = CertificateServices.Build(parseResult, store, postgres, storeRequired: false);
            int removed = services.GetRequiredService<IRecipientDirectory>().Remove(parseResult.GetRequiredValue(target));
            if (removed == 0)
            {
                throw new CliException($"Nothing in the directory matches {parseResult.GetRequiredValue(target)}.");
            }

            Console.WriteLine($"Removed {removed} entr{(removed == 1 ? "y" : "ies")}.");
            return Task.FromResult(0);
        }));
        return command;
    }

    private static List<CertificateRow> Rows(ParseResult parseResult, Option<string?> store, Option<string?> postgres, string? address)
    {
        var now = DateTimeOffset.UtcNow;
        var rows = new List<CertificateRow>();
        var storePath = parseResult.GetValue(store) ?? Environment.GetEnvironmentVariable(StoreOption.EnvironmentVariable);
        bool hasStore = !string.IsNullOrWhiteSpace(storePath) && System.IO.Directory.Exists(storePath);
        if (!hasStore && !DirectoryOption.UsesPostgres(parseResult, postgres))
        {
            throw new CliException($"{storePath ?? "(no --store)"}: no such certificate store.");
        }

        // The signer worker's registration: the same store and directory that protect and the pipeline read.
        using var services = CertificateServices.Build(parseResult, store, postgres, storeRequired: false);
        if (hasStore)
        {
            rows.AddRange(services.GetRequiredService<DirectoryCertificateStore>().List()
                .Where(e => e.Kind == StoreEntryKind.Signer && (address is null || CertificateAddresses.AddressEquals(e.Address, address)))
                .Select(e => CertsCommand.Row(e, now)));
        }

        var directory = services.GetRequiredService<IRecipientDirectory>();
        var entries = address is null ? directory.List() : directory.Find(address);
        rows.AddRange(entries.Select(e => CertsCommand.Row(e, now)));
        return rows;
    }
}
