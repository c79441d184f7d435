using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using SmimePipeline.Contracts;

var initJson = JsonSerializer.SerializeToUtf8Bytes(new InitManifest
{
    From = new MailAddress("bench-sender@example.com", "Bench Sender"),
    To = [new MailAddress("bench-recipient@example.org", "Bench Recipient")],
    Subject = "Your monthly statement",
    TextBodyLength = 3001, HtmlBodyLength = 5012,
    Attachments = [new InitAttachment { FileName = "statement.pdf", ContentType = "application/pdf", Length = 30720 }],
}, Ctx.Default.InitManifest);
Console.WriteLine(System.Text.Encoding.UTF8.GetString(initJson));
var setJson = JsonSerializer.SerializeToUtf8Bytes(JsonSerializer.Deserialize(initJson, Ctx.Default.SetManifest)!, Ctx.Default.SetManifest);
Console.WriteLine(initJson.AsSpan().SequenceEqual(setJson));
int n = args.Length > 0 ? int.Parse(args[0]) : 100_000;
for (int round = 0; round < 13; round++)
{
    foreach (var v in round % 2 == 0 ? new[] { "init", "set" } : new[] { "set", "init" })
    {
        var a0 = GC.GetAllocatedBytesForCurrentThread();
        var t0 = ThreadCpu();
        for (int i = 0; i < n; i++)
        {
            if (v == "init") { var m = JsonSerializer.Deserialize(initJson, Ctx.Default.InitManifest)!; if (m.From is null) throw new(); }
            else { var m = JsonSerializer.Deserialize(initJson, Ctx.Default.SetManifest)!; if (m.From is null) throw new(); }
        }
        var t1 = ThreadCpu();
        var a1 = GC.GetAllocatedBytesForCurrentThread();
        if (round > 0) Console.WriteLine($"round {round} {v}: {(t1 - t0) * 1e6 / n:F3} µs, {(a1 - a0) / (double)n:F0} B");
    }
}

static double ThreadCpu() { clock_gettime(3, out var ts); return ts.sec + ts.nsec / 1e9; }
[DllImport("libc")] static extern int clock_gettime(int clk, out Timespec ts);
struct Timespec { public long sec; public long nsec; }

sealed class InitManifest
{
    public required MailAddress? From { get; init; }
    public IReadOnlyList<MailAddress?>? To { get; init; } = [];
    public IReadOnlyList<MailAddress?>? Cc { get; init; } = [];
    public IReadOnlyList<MailAddress?>? Bcc { get; init; } = [];
    public string? Subject { get; init; } = "";
    public long? TextBodyLength { get; init; }
    public long? HtmlBodyLength { get; init; }
    public IReadOnlyList<InitAttachment?>? Attachments { get; init; } = [];
    public IReadOnlyDictionary<string, string>? Headers { get; init; } = new Dictionary<string, string>();
    public SecurityPolicy? Policy { get; init; } = SecurityPolicy.SignAndEncrypt;
}
sealed class InitAttachment
{
    public string? FileName { get; init; }
    public string? ContentType { get; init; }
    public required long Length { get; init; }
}
sealed class SetManifest
{
    [JsonRequired] public MailAddress? From { get; set; }
    public IReadOnlyList<MailAddress?>? To { get; set; } = [];
    public IReadOnlyList<MailAddress?>? Cc { get; set; } = [];
    public IReadOnlyList<MailAddress?>? Bcc { get; set; } = [];
    public string? Subject { get; set; } = "";
    public long? TextBodyLength { get; set; }
    public long? HtmlBodyLength { get; set; }
    public IReadOnlyList<SetAttachment?>? Attachments { get; set; } = [];
    public IReadOnlyDictionary<string, string>? Headers { get; set; } = new Dictionary<string, string>();
    public SecurityPolicy? Policy { get; set; } = SecurityPolicy.SignAndEncrypt;
}
sealed class SetAttachment
{
    public string? FileName { get; set; }
    public string? ContentType { get; set; }
    [JsonRequired] public long Length { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false,
    MaxDepth = 8,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(InitManifest))]
[JsonSerializable(typeof(SetManifest))]
partial class Ctx : JsonSerializerContext { }
