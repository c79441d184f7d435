using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using SmimePipeline.Worker.Webhooks;

namespace SmimePipeline.Cli.Commands;

/// <summary>
/// <c>smime webhooks register --sparkpost-key-file F --target URL [--inbound-domain D]</c> and <c>smime webhooks list</c>:
/// SparkPost's side of the return path through its documented API. <c>register</c> creates the event webhook
/// (delivery, bounce, delay, out_of_band, policy_rejection, spam_complaint; Basic authentication) and, with
/// <c>--inbound-domain</c>, the inbound domain (409: it exists already, which is fine) and the relay webhook
/// matching it. A webhook with the same target (and domain) that exists already is left as it is, so the
/// command can be run again. The API key and the tokens are read from files only and never printed.
/// </summary>
internal static class WebhooksCommand
{
    /// <summary>The message events recorded as fates (README "Each mail's fate").</summary>
    private static readonly string[] FateEvents = ["delivery", "bounce", "delay", "out_of_band", "policy_rejection", "spam_complaint"];

    public static Command Create()
    {
        var keyFile = new Option<FileInfo>("--sparkpost-key-file") { Description = "File holding the SparkPost API key (Inbound Domains, Relay Webhooks, Event Webhooks read/write).", Required = true, Recursive = true };
        var baseUrl = new Option<string>("--sparkpost-url")
        {
            Description = "SparkPost's API base (default https://api.sparkpost.com/api/v1; EU: https://api.eu.sparkpost.com/api/v1).",
            DefaultValueFactory = _ => "https://api.sparkpost.com/api/v1",
            Recursive = true,
        };
        var json = new Option<bool>("--json") { Description = "Machine-readable output.", Recursive = true };
        var command = new Command("webhooks", "SparkPost's inbound domain, relay webhook and event webhook for the return path.") { keyFile, baseUrl, json };

        var target = new Option<string>("--target") { Description = "HTTPS base URL of the webhooks role, e.g. https://webhooks.example.com (the paths are appended).", Required = true };
        var inboundDomain = new Option<string?>("--inbound-domain") { Description = "Create this inbound domain (if missing) and the relay webhook that posts its mail to us." };
        var relayTokenFile = new Option<FileInfo?>("--relay-token-file") { Description = "File with the relay webhook's auth_token (the worker's Webhooks:RelayTokenFile); required with --inbound-domain." };
        var eventsPasswordFile = new Option<FileInfo>("--events-password-file") { Description = "File with the event webhook's Basic password (the worker's Webhooks:EventsPasswordFile).", Required = true };
        var eventsUserName = new Option<string>("--events-user-name") { Description = "Basic user name of the event webhook (default sparkpost).", DefaultValueFactory = _ => "sparkpost" };
        var name = new Option<string>("--name") { Description = "Prefix of the webhooks' names (default smime: smime-harvest, smime-fates).", DefaultValueFactory = _ => "smime" };
        var register = new Command("register", "Create the event webhook and, with --inbound-domain, the inbound domain and the relay webhook.")
        {
            target, inboundDomain, relayTokenFile, eventsPasswordFile, eventsUserName, name,
        };
        register.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            var targetText = parse.GetRequiredValue(target);
            if (!Uri.TryCreate(targetText, UriKind.Absolute, out var targetBase) || targetBase.Scheme != Uri.UriSchemeHttps)
            {
                throw new CliException($"--target {targetText}: must be an absolute https:// URL (SparkPost sends the tokens with every request).");
            }

            var domain = parse.GetValue(inboundDomain)?.Trim().ToLowerInvariant();
            if (domain is { Length: 0 } || (domain is not null && Uri.CheckHostName(domain) != UriHostNameType.Dns))
            {
                throw new CliException($"--inbound-domain '{domain}': not a domain name.");
            }

            var relayToken = domain is null
                ? null
                : ReadSecretFile(parse.GetValue(relayTokenFile) ?? throw new CliException("--relay-token-file is required with --inbound-domain (the relay webhook's auth_token)."), "--relay-token-file");
            var eventsPassword = ReadSecretFile(parse.GetRequiredValue(eventsPasswordFile), "--events-password-file");
            var userName = parse.GetRequiredValue(eventsUserName);
            var prefix = parse.GetRequiredValue(name);
            var relayTarget = Append(targetBase, RelayWebhookHandler.Path);
            var eventsTarget = Append(targetBase, EventWebhookHandler.Path);

            using var sparkPost = OpenClient(parse, keyFile, baseUrl);
            var report = new JsonObject();
            if (domain is not null)
            {
                var created = await sparkPost.CreateAsync("inbound-domains", new JsonObject { ["domain"] = domain }, conflictIsExisting: true, ct);
                report["inboundDomain"] = new JsonObject { ["domain"] = domain, ["status"] = created is null ? "exists" : "created" };

                var existing = (await sparkPost.ListAsync("relay-webhooks", ct)).OfType<JsonObject>()
                    .FirstOrDefault(w => Text(w, "target") == relayTarget && string.Equals(Text(w["match"], "domain"), domain, StringComparison.OrdinalIgnoreCase));
                var relay = existing is not null
                    ? Summary(Text(existing, "id"), Text(existing, "name"), relayTarget, "exists")
                    : Summary(
                        Text(await sparkPost.CreateAsync(
                            "relay-webhooks",
                            new JsonObject
                            {
                                ["name"] = $"{prefix}-harvest",
                                ["target"] = relayTarget,
                                ["auth_token"] = relayToken,
                                ["match"] = new JsonObject { ["protocol"] = "SMTP", ["domain"] = domain },
                            },
                            conflictIsExisting: false,
                            ct), "id"),
                        $"{prefix}-harvest",
                        relayTarget,
                        "created");
                relay["domain"] = domain;
                report["relayWebhook"] = relay;
            }

            var existingEvents = (await sparkPost.ListAsync("webhooks", ct)).OfType<JsonObject>().FirstOrDefault(w => Text(w, "target") == eventsTarget);
            report["eventWebhook"] = existingEvents is not null
                ? Summary(Text(existingEvents, "id"), Text(existingEvents, "name"), eventsTarget, "exists")
                : Summary(
                    Text(await sparkPost.CreateAsync(
                        "webhooks",
                        new JsonObject
                        {
                            ["name"] = $"{prefix}-fates",
                            ["target"] = eventsTarget,
                            ["events"] = new JsonArray(FateEvents.Select(e => (JsonNode)JsonValue.Create(e)).ToArray()),
                            ["auth_type"] = "basic",
                            ["auth_credentials"] = new JsonObject { ["username"] = userName, ["password"] = eventsPassword },
                        },
                        conflictIsExisting: false,
                        ct), "id"),
                    $"{prefix}-fates",
                    eventsTarget,
                    "created");

            if (parse.GetValue(json))
            {
                Console.WriteLine(report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }

            if (report["inboundDomain"] is { } d)
            {
                Console.WriteLine($"inbound domain {Text(d, "domain")}: {(Text(d, "status") == "created" ? "created" : "exists already")}; point its MX records to SparkPost's relay hosts (rx1/rx2/rx3.sparkpostmail.com, EU rx1/rx2/rx3.eu.sparkpostmail.com)");
            }

            foreach (var (label, key) in new[] { ("relay webhook", "relayWebhook"), ("event webhook", "eventWebhook") })
            {
                if (report[key] is { } w)
                {
                    Console.WriteLine($"{label} {Text(w, "name")} (id {Text(w, "id")}) -> {Text(w, "target")}: {(Text(w, "status") == "created" ? "created" : "exists already, not changed")}");
                }
            }

            return 0;
        }));

        var list = new Command("list", "The relay and event webhooks SparkPost has (tokens and credentials are never shown).");
        list.SetAction((parse, ct) => CommandRunner.RunAsync(async () =>
        {
            using var sparkPost = OpenClient(parse, keyFile, baseUrl);
            var relays = (await sparkPost.ListAsync("relay-webhooks", ct)).OfType<JsonObject>()
                .Select(w => new JsonObject
                {
                    ["id"] = Text(w, "id"),
                    ["name"] = Text(w, "name"),
                    ["target"] = Text(w, "target"),
                    ["domain"] = Text(w["match"], "domain"),
                    ["authTokenSet"] = !string.IsNullOrEmpty(Text(w, "auth_token")),
                })
                .ToList();
            var events = (await sparkPost.ListAsync("webhooks", ct)).OfType<JsonObject>()
                .Select(w => new JsonObject
                {
                    ["id"] = Text(w, "id"),
                    ["name"] = Text(w, "name"),
                    ["target"] = Text(w, "target"),
                    ["authType"] = Text(w, "auth_type") ?? "none",
                    ["events"] = new JsonArray((w["events"] as JsonArray ?? []).Select(e => (JsonNode?)JsonValue.Create(e is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : "?")).ToArray()),
                })
                .ToList();

            if (parse.GetValue(json))
            {
                var all = new JsonObject { ["relayWebhooks"] = new JsonArray([.. relays]), ["eventWebhooks"] = new JsonArray([.. events]) };
                Console.WriteLine(all.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }

            Console.WriteLine("relay webhooks:");
            foreach (var r in relays)
            {
                Console.WriteLine($"  {Text(r, "id")}  {Text(r, "name")}  {Text(r, "domain")} -> {Text(r, "target")}  (auth token {(r["authTokenSet"]!.GetValue<bool>() ? "set" : "NOT set")})");
            }

            Console.WriteLine("event webhooks:");
            foreach (var e in events)
            {
                Console.WriteLine($"  {Text(e, "id")}  {Text(e, "name")}  -> {Text(e, "target")}  auth {Text(e, "authType")}  events {string.Join(',', e["events"]!.AsArray().Select(x => x!.GetValue<string>()))}");
            }

            Console.Error.WriteLine($"smime: {relays.Count} relay webhook(s), {events.Count} event webhook(s)");
            return 0;
        }));

        command.Subcommands.Add(register);
        command.Subcommands.Add(list);
        return command;
    }

    private static SparkPostSetupClient OpenClient(ParseResult parse, Option<FileInfo> keyFile, Option<string> baseUrl)
    {
        var file = parse.GetRequiredValue(keyFile);
        var key = ReadSecretFile(file, "--sparkpost-key-file", minimumLength: 1);
        var urlText = parse.GetRequiredValue(baseUrl);
        if (!Uri.TryCreate(urlText, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && !(url.Scheme == Uri.UriSchemeHttp && url.IsLoopback)))
        {
            throw new CliException($"--sparkpost-url {urlText}: must be an absolute https:// URL (the API key travels with every request; plain http only to a loopback address).");
        }

        return new SparkPostSetupClient(url, key, file.FullName);
    }

    /// <summary>Reads a key or token file as the worker does (trailing line ends removed); names the option and file on failure.</summary>
    private static string ReadSecretFile(FileInfo file, string option, int minimumLength = WebhookSecret.MinimumLength)
    {
        if (!file.Exists)
        {
            throw new CliException($"{option} {file.FullName}: no such file.");
        }

        var secret = WebhookSecret.ReadSecret(file.FullName).Trim();
        if (secret.Length < minimumLength)
        {
            throw new CliException($"{option} {file.FullName}: holds {(secret.Length == 0 ? "nothing" : "fewer than " + minimumLength + " characters")}.");
        }

        if (secret.Any(char.IsControl))
        {
            throw new CliException($"{option} {file.FullName}: holds control characters (more than one line?).");
        }

        return secret;
    }

    private static string Append(Uri baseUri, string path) => baseUri.ToString().TrimEnd('/') + path;

    private static JsonObject Summary(string? id, string? name, string target, string status) =>
        new() { ["id"] = id, ["name"] = name, ["target"] = target, ["status"] = status };

    private static string? Text(JsonNode? node, string name) =>
        node?[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
