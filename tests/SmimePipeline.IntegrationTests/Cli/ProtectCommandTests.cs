using System.Text;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Cli;

public sealed class ProtectCommandTests : IClassFixture<DemoPkiFixture>
{
    private readonly DemoPki _pki;

    public ProtectCommandTests(DemoPkiFixture fixture) => _pki = fixture.Pki;

    [Fact]
    public async Task Protect_writes_a_message_that_openssl_decrypts_and_verifies()
    {
        using var temp = new TempDirectory();
        var input = Path.Combine(temp.Path, "in.eml");
        var output = Path.Combine(temp.Path, "out.eml");
        var recipient = _pki.RecipientAddresses[1];
        await File.WriteAllTextAsync(input, Eml(_pki.SenderAddress, recipient, "cli-protect-body-7f3a"), Encoding.UTF8);

        var result = await SmimeCli.RunAsync(["protect", input, "-o", output, "--store", _pki.StorePath]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var content = await OpenSslJudge.DecryptAndVerifyAsync(output, _pki.CertificatePath(recipient), _pki.KeyPath(recipient), _pki.CaCertificatePath);
        Assert.Contains("cli-protect-body-7f3a", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Protect_with_gcm_pss_opaque_and_header_protection_writes_what_openssl_reads()
    {
        using var temp = new TempDirectory();
        var input = Path.Combine(temp.Path, "in.eml");
        var output = Path.Combine(temp.Path, "out.eml");
        var recipient = _pki.RecipientAddresses[2];
        await File.WriteAllTextAsync(input, Eml(_pki.SenderAddress, recipient, "cli-gcm-body-5b1d"), Encoding.UTF8);

        var result = await SmimeCli.RunAsync(["protect", input, "-o", output, "--store", _pki.StorePath, "--cipher", "aes256-gcm", "--signature", "rsa-pss", "--opaque", "--header-protection", "on"]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("cipher aes256-gcm", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("rsassa-pss", result.Stderr, StringComparison.Ordinal);
        string protectedText = await File.ReadAllTextAsync(output);
        Assert.Contains("smime-type=authEnveloped-data", protectedText, StringComparison.Ordinal);
        Assert.Contains("Subject: [...]", protectedText, StringComparison.Ordinal);
        var content = await OpenSslJudge.DecryptAndVerifyAsync(output, _pki.CertificatePath(recipient), _pki.KeyPath(recipient), _pki.CaCertificatePath);
        Assert.Contains("cli-gcm-body-5b1d", content, StringComparison.Ordinal);
        Assert.Contains("hp=cipher", content.Replace("\"", "", StringComparison.Ordinal), StringComparison.Ordinal);

        // RFC 9788 legacy display, on by default with header protection: the text begins with the real Subject.
        var text = Assert.IsType<MimeKit.TextPart>(MimeKit.MimeEntity.Load(new MemoryStream(Encoding.UTF8.GetBytes(content))));
        Assert.Equal("1", text.ContentType.Parameters["hp-legacy-display"]);
        Assert.StartsWith("Subject: CLI test\n\ncli-gcm-body-5b1d", text.Text.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Protect_refuses_a_recipient_without_certificate_with_one_line_naming_it_and_no_output()
    {
        using var temp = new TempDirectory();
        var input = Path.Combine(temp.Path, "in.eml");
        var output = Path.Combine(temp.Path, "out.eml");
        await File.WriteAllTextAsync(input, Eml(_pki.SenderAddress, "stranger@unknown.example", "secret-body-text-91c2"), Encoding.UTF8);

        var result = await SmimeCli.RunAsync(["protect", input, "-o", output, "--store", _pki.StorePath]);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("stranger@unknown.example", line, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-body-text-91c2", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(temp.Path, "*.tmp"));
    }

    [Fact]
    public async Task Protect_refuses_a_sender_without_key()
    {
        using var temp = new TempDirectory();
        var input = Path.Combine(temp.Path, "in.eml");
        var output = Path.Combine(temp.Path, "out.eml");
        await File.WriteAllTextAsync(input, Eml("impostor@demo.smime.test", _pki.RecipientAddresses[0], "hello"), Encoding.UTF8);

        var result = await SmimeCli.RunAsync(["protect", input, "-o", output, "--store", _pki.StorePath]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("impostor@demo.smime.test", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Protect_without_a_store_says_how_to_give_one()
    {
        using var temp = new TempDirectory();
        var input = Path.Combine(temp.Path, "in.eml");
        await File.WriteAllTextAsync(input, Eml(_pki.SenderAddress, _pki.RecipientAddresses[0], "hello"), Encoding.UTF8);

        var result = await SmimeCli.RunAsync(["protect", input, "-o", Path.Combine(temp.Path, "o.eml")], new Dictionary<string, string> { ["SMIME_STORE"] = "" });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--store", result.Stderr, StringComparison.Ordinal);
    }

    private static string Eml(string from, string to, string body) =>
        $"From: Sender <{from}>\r\nTo: <{to}>\r\nSubject: CLI test\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{Guid.NewGuid():N}@test>\r\n" +
        $"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\nFrom the beginning of a line.\r\n";
}
