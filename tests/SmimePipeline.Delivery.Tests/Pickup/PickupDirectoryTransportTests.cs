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

    [Fact]
    public async Task A_directory_removed_while_running_is_created_again_at_the_next_mail()
    {
        var directory = _temp.File("pickup");
        var transport = CreateTransport(directory);
        await transport.SendAsync(TestMails.Signed("bounces@bank.example", "a@example.org"), CancellationToken.None);
        Directory.Delete(directory, recursive: true);
        var mail = TestMails.Signed("bounces@bank.example", "a@example.org");

        await transport.SendAsync(mail, CancellationToken.None);

        Assert.Equal(new[] { $"{mail.MailId:N}.eml" }, Directory.GetFiles(directory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_cancelled_send_writes_nothing()
    {
        var transport = CreateTransport(_temp.Path);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => transport.SendAsync(TestMails.Signed("bounces@bank.example", "a@example.org"), cancelled.Token));

        Assert.Empty(Directory.GetFileSystemEntries(_temp.Path));
    }

    [Fact]
    public async Task A_directory_that_cannot_be_created_is_a_transient_failure_naming_it_and_leaves_no_file()
    {
        // A file where the directory should be: every write fails with an I/O error.
        var blocked = _temp.File("not-a-directory");
        await File.WriteAllTextAsync(blocked, "x");
        var transport = CreateTransport(Path.Combine(blocked, "pickup"));

        var failure = await Assert.ThrowsAsync<DeliveryException>(
            () => transport.SendAsync(TestMails.Signed("bounces@bank.example", "a@example.org"), CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.Transient, failure.Kind);
        Assert.Contains(Path.Combine(blocked, "pickup"), failure.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { blocked }, Directory.GetFileSystemEntries(_temp.Path));
    }

    [Fact]
    public async Task Many_concurrent_mails_each_get_their_complete_file_and_no_temporary_file_is_left()
    {
        var transport = CreateTransport(_temp.Path);
        var mails = Enumerable.Range(0, 64).Select(_ => TestMails.Signed("bounces@bank.example", "a@example.org")).ToList();

        await Task.WhenAll(mails.Select(m => Task.Run(() => transport.SendAsync(m, CancellationToken.None))));

        Assert.Equal(mails.Count, Directory.GetFileSystemEntries(_temp.Path).Length);
        foreach (var mail in mails)
        {
            BytesAssert.Identical(mail.Content, await File.ReadAllBytesAsync(transport.PathFor(mail.MailId)));
        }
    }
}
