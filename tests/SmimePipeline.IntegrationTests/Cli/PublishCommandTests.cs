using System.Text;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Cli;

/// <summary>
/// Issue 15: <c>smime publish</c>, run as the built CLI against the real broker and workers: many files, a
/// directory and paths on stdin (or an mbox stream) over one connection, one mail id per line, a final count,
/// failures reported while the rest go on, and the size limit enforced before the broker is touched.
/// </summary>
public sealed class PublishCommandTests : BrokerTest
{
    [Fact]
    public async Task Files_a_directory_and_paths_on_stdin_are_published_and_delivered_while_bad_inputs_are_reported()
    {
        var outbox = Path.Combine(Temp.Path, "outbox");
        var batch = Directory.CreateDirectory(Path.Combine(Temp.Path, "batch")).FullName;
        var single = WriteMail(Temp.Path, "single", 0);
        for (int i = 1; i <= 4; i++)
        {
            WriteMail(batch, $"dir-{i}", i);
        }

        var fromStdin = new[] { WriteMail(Temp.Path, "stdin-a", 5), WriteMail(Temp.Path, "stdin-b", 6) };
        var tooLarge = Path.Combine(Temp.Path, "too-large.eml");
        await File.WriteAllTextAsync(tooLarge, Mail(7) + new string('x', 6_000));
        var missing = Path.Combine(Temp.Path, "missing.eml");
        await using var signer = await WorkerHost.StartAsync(WorkerSettings("Signer", outbox));
        await using var sender = await WorkerHost.StartAsync(WorkerSettings("Sender", outbox));

        var result = await SmimeCli.RunAsync(
            ["publish", single, batch, missing, tooLarge, "-", "--rabbitmq", VirtualHost.AmqpUri.ToString(), "--max-bytes", "5000", "--in-flight", "3"],
            stdin: Encoding.UTF8.GetBytes(string.Join('\n', fromStdin) + "\n"));

        Assert.True(result.ExitCode == 1, result.Describe());
        var lines = result.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(7, lines.Length);
        var ids = lines.Select(l => Guid.Parse(l.Split('\t')[0])).ToList();
        Assert.Equal(7, ids.Distinct().Count());
        Assert.Contains(lines, l => l.EndsWith("\t" + single, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith("\t" + fromStdin[1], StringComparison.Ordinal));
        Assert.Contains("missing.eml: no such file", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("too-large.eml", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("above the limit of 5000 bytes", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("published 7 of 9 message(s)", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Hello from the shell", result.Stderr, StringComparison.Ordinal);

        await Eventually.HoldsAsync(
            () => Task.FromResult(ids.All(id => File.Exists(Path.Combine(outbox, $"{id:N}.eml")))),
            TimeSpan.FromMinutes(2),
            () => $"{ids.Count(id => File.Exists(Path.Combine(outbox, $"{id:N}.eml")))} of {ids.Count} published mails in the pickup directory");
        var recipient = Pki.RecipientAddresses[0];
        var content = await OpenSslJudge.DecryptAndVerifyAsync(Path.Combine(outbox, $"{ids[0]:N}.eml"), Pki.CertificatePath(recipient), Pki.KeyPath(recipient), Pki.CaCertificatePath);
        Assert.Contains("Hello from the shell", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_mbox_stream_on_stdin_is_published_message_by_message()
    {
        var outbox = Path.Combine(Temp.Path, "outbox");
        await using var signer = await WorkerHost.StartAsync(WorkerSettings("Signer", outbox));
        await using var sender = await WorkerHost.StartAsync(WorkerSettings("Sender", outbox));
        var mbox = new StringBuilder();
        for (int i = 0; i < 3; i++)
        {
            mbox.Append("From sender@example Tue Dec  1 10:00:00 2026\n").Append(Mail(i).Replace("\r\n", "\n", StringComparison.Ordinal)).Append('\n');
        }

        var result = await SmimeCli.RunAsync(
            ["publish", "-", "--stdin-format", "mbox", "--rabbitmq", VirtualHost.AmqpUri.ToString()],
            stdin: Encoding.UTF8.GetBytes(mbox.ToString()));

        Assert.True(result.ExitCode == 0, result.Describe());
        var ids = result.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => Guid.Parse(l.Split('\t')[0])).ToList();
        Assert.Equal(3, ids.Count);
        Assert.Contains("published 3 of 3 message(s)", result.Stderr, StringComparison.Ordinal);
        await Eventually.HoldsAsync(
            () => Task.FromResult(ids.All(id => File.Exists(Path.Combine(outbox, $"{id:N}.eml")))),
            TimeSpan.FromMinutes(2),
            () => $"{ids.Count(id => File.Exists(Path.Combine(outbox, $"{id:N}.eml")))} of 3 mails in the pickup directory");
    }

    [Fact]
    public async Task A_file_above_the_size_limit_is_refused_before_the_broker_is_touched()
    {
        var big = Path.Combine(Temp.Path, "big.eml");
        await File.WriteAllTextAsync(big, Mail(0) + new string('x', 3_000));

        // Nothing listens on this port: had publish tried to connect, it would say so.
        using var closed = new RefusedTcpPort();
        int port = closed.Port;
        var result = await SmimeCli.RunAsync(["publish", big, "--rabbitmq", $"amqp://guest:guest@127.0.0.1:{port}/", "--max-bytes", "2000"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("big.eml", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("above the limit of 2000 bytes", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("broker", result.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(result.Stdout);
    }

    private string WriteMail(string directory, string name, int n)
    {
        var path = Path.Combine(directory, name + ".eml");
        File.WriteAllText(path, Mail(n), Encoding.UTF8);
        return path;
    }

    private string Mail(int n) =>
        $"From: Bank <{Pki.SenderAddress}>\r\nTo: <{Pki.RecipientAddresses[0]}>\r\nSubject: Statement {n}\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\n" +
        $"Message-ID: <{Guid.NewGuid():N}@test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello from the shell, mail {n}.\r\n";
}
