using Microsoft.Extensions.Options;
using SmimePipeline.Delivery.Pickup;
using SmimePipeline.Testing;

namespace SmimePipeline.Delivery.Tests.Pickup;

public sealed class PickupDirectoryTransportTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static PickupDirectoryTransport CreateTransport(string directory)
        => new(Options.Create(new PickupDirectoryOptions { Directory = directory }));

    [Fact]
    public async Task Send_writes_the_bytes_unchanged_to_mailid_eml_and_leaves_no_temporary_file()
    {
        var transport = CreateTransport(_temp.Path);
        var mail = TestMails.Signed("bounces@bank.example", "a@example.org", "b@example.org");

        var receipt = await transport.SendAsync(mail, CancellationToken.None);

        var expectedName = $"{mail.MailId:N}.eml";
        Assert.Equal(new[] { expectedName }, Directory.GetFiles(_temp.Path).Select(Path.GetFileName));
        BytesAssert.Identical(mail.Content, await File.ReadAllBytesAsync(_temp.File(expectedName)));
        Assert.Equal("pickup", receipt.Provider);
        Assert.Equal(expectedName, receipt.ProviderMessageId);
        Assert.Equal(mail.EnvelopeTo, receipt.AcceptedRecipients);
        Assert.Empty(receipt.Rejected);
    }

    [Fact]
    public async Task Sending_the_same_mail_id_twice_keeps_one_file_with_the_same_content()
    {
        var transport = CreateTransport(_temp.Path);
        var mail = TestMails.Signed("bounces@bank.example", "a@example.org");

        await transport.SendAsync(mail, CancellationToken.None);
        await transport.SendAsync(mail, CancellationToken.None);

        var file = Assert.Single(Directory.GetFiles(_temp.Path));
        Assert.Equal(transport.PathFor(mail.MailId), file);
        BytesAssert.Identical(mail.Content, await File.ReadAllBytesAsync(file));
    }

    [Fact]
    public async Task Concurrent_redeliveries_of_one_mail_leave_exactly_one_complete_file()
    {
        var transport = CreateTransport(_temp.Path);
        var mail = TestMails.Signed("bounces@bank.example", "a@example.org");

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => transport.SendAsync(mail, CancellationToken.None)));

        var file = Assert.Single(Directory.GetFiles(_temp.Path));
        BytesAssert.Identical(mail.Content, await File.ReadAllBytesAsync(file));
    }

    [Fact]
    public async Task Send_creates_a_missing_directory()
    {
        var directory = _temp.File("nested/pickup");
        var transport = CreateTransport(directory);
        var mail = TestMails.Signed("bounces@bank.example", "a@example.org");

        await transport.SendAsync(mail, CancellationToken.None);

        Assert.True(File.Exists(Path.Combine(directory, $"{mail.MailId:N}.eml")));
    }

    [Fact]
    public async Task Different_mails_get_different_files()
    {
        var transport = CreateTransport(_temp.Path);

        await transport.SendAsync(TestMails.Signed("bounces@bank.example", "a@example.org"), CancellationToken.None);
        await transport.SendAsync(TestMails.Signed("bounces@bank.example", "a@example.org"), CancellationToken.None);

        Assert.Equal(2, Directory.GetFiles(_temp.Path).Length);
    }
}
