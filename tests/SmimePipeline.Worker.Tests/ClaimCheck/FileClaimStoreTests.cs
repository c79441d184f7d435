using System.Text;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Testing;
using SmimePipeline.Worker.ClaimCheck;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Tests.ClaimCheck;

/// <summary>
/// Issue 13 item 1: a content address from the bus is resolved only as a claim the pipeline minted, inside the claim
/// directory. Files outside it (a private key, /etc/passwd) are never read, whatever the address says.
/// </summary>
public sealed class FileClaimStoreTests : IDisposable
{
    private const string Secret = "-----BEGIN PRIVATE KEY----- not for the outbox";
    private readonly TempDirectory _temp = new();
    private readonly string _claims;
    private readonly DeliveryContentStore _content;
    private readonly FileClaimStore _store;

    public FileClaimStoreTests()
    {
        _claims = _temp.File("claims");
        _store = new FileClaimStore(_claims);
        _content = new DeliveryContentStore(_store, Options.Create(new SmimePipelineOptions { MaxMessageBytes = 1_000_000 }));
        System.IO.Directory.CreateDirectory(_temp.File("store/signers/sender@bank.example"));
        File.WriteAllText(_temp.File("store/signers/sender@bank.example/abc.key.pem"), Secret);
        File.WriteAllText(_temp.File("secret.txt"), Secret);
    }

    public static TheoryData<string> HostileAddresses => new()
    {
        "urn:file:..:store:signers:sender@bank.example:abc.key.pem",
        "urn:file:..:..:..:..:..:etc:passwd",
        "urn:file:2026:12:01:13:0123456789abcdef0123456789abcdef",
        "file:///etc/passwd",
        "/etc/passwd",
        "../secret.txt",
        "http://attacker.example/claim",
        "urn:smime-claim:../secret.txt",
        "urn:smime-claim:..%2fsecret.txt",
        "urn:smime-claim:0123456789ABCDEF0123456789ABCDEF",
        "urn:smime-claim:0123456789abcdef0123456789abcdef/../../secret.txt",
        "urn:smime-claim:0123456789abcdef0123456789abcde",
        "urn:smime-claim:0123456789abcdef0123456789abcdef0",
        "urn:smime-claim:0123456789abcdef0123456789abcdef?x=1",
        "URN:SMIME-CLAIM:0123456789abcdef0123456789abcdef",
    };

    [Theory]
    [MemberData(nameof(HostileAddresses))]
    public async Task A_content_address_that_is_not_a_pipeline_claim_is_refused_before_anything_is_opened(string address)
    {
        var mail = Mail(new Uri(address, UriKind.RelativeOrAbsolute));

        var refused = await Assert.ThrowsAsync<MailRefusedException>(() => _content.LoadAsync(mail, CancellationToken.None));

        Assert.Equal(MailRefusal.ClaimRefused, refused.ReasonCode);
        Assert.DoesNotContain(Secret, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_symbolic_link_planted_in_the_claim_directory_is_not_followed()
    {
        var id = "0123456789abcdef0123456789abcdef";
        File.CreateSymbolicLink(Path.Combine(_claims, id + ".claim"), _temp.File("secret.txt"));

        var refused = await Assert.ThrowsAsync<MailRefusedException>(() => _content.LoadAsync(Mail(new Uri("urn:smime-claim:" + id)), CancellationToken.None));

        Assert.Equal(MailRefusal.ClaimRefused, refused.ReasonCode);
        Assert.Contains("symbolic link", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_well_formed_id_without_a_claim_is_missing_not_read_from_elsewhere()
    {
        var refused = await Assert.ThrowsAsync<MailRefusedException>(
            () => _content.LoadAsync(Mail(new Uri("urn:smime-claim:00000000000000000000000000000000")), CancellationToken.None));
        Assert.Equal(MailRefusal.ClaimMissing, refused.ReasonCode);
    }

    [Fact]
    public async Task A_claim_is_written_0600_loaded_back_byte_for_byte_and_deleted_on_release()
    {
        var bytes = Encoding.ASCII.GetBytes(new string('x', 300_000));
        var checkedIn = await _content.CheckInAsync(Mail(null) with { Content = bytes }, CancellationToken.None);

        Assert.Empty(checkedIn.Content);
        Assert.NotNull(checkedIn.ContentAddress);
        Assert.StartsWith(ClaimId.AddressPrefix, checkedIn.ContentAddress.OriginalString, StringComparison.Ordinal);
        var file = Assert.Single(System.IO.Directory.GetFiles(_claims));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_claims));
        }

        Assert.Equal(bytes, await _content.LoadAsync(checkedIn, CancellationToken.None));
        _content.Release(checkedIn);
        Assert.Empty(System.IO.Directory.GetFiles(_claims));
    }

    [Fact]
    public async Task A_claim_above_the_limit_is_refused_without_being_read_and_so_is_a_protected_result()
    {
        var small = new DeliveryContentStore(_store, Options.Create(new SmimePipelineOptions { MaxMessageBytes = 100_000, ClaimCheck = { ThresholdBytes = 10 } }));
        var id = await _store.PutAsync(new byte[200_000], CancellationToken.None);

        var refused = await Assert.ThrowsAsync<MailRefusedException>(() => small.LoadAsync(Mail(id.Address), CancellationToken.None));
        Assert.Equal(MailRefusal.MessageTooLarge, refused.ReasonCode);

        var tooLarge = await Assert.ThrowsAsync<MailRefusedException>(() => small.CheckInAsync(Mail(null) with { Content = new byte[100_001] }, CancellationToken.None));
        Assert.Equal(MailRefusal.MessageTooLarge, tooLarge.ReasonCode);
    }

    [Fact]
    public async Task The_sweeper_deletes_only_claims_older_than_the_retention_and_nothing_else()
    {
        var old = await _store.PutAsync(new byte[10], CancellationToken.None);
        var recent = await _store.PutAsync(new byte[10], CancellationToken.None);
        var stranger = Path.Combine(_claims, "not-a-claim.txt");
        File.WriteAllText(stranger, "kept");
        File.SetLastWriteTimeUtc(Path.Combine(_claims, old.FileName), DateTime.UtcNow.AddDays(-8));
        File.SetLastWriteTimeUtc(stranger, DateTime.UtcNow.AddDays(-8));

        Assert.Equal(1, _store.DeleteOlderThan(DateTimeOffset.UtcNow.AddDays(-7)));

        Assert.False(File.Exists(Path.Combine(_claims, old.FileName)));
        Assert.True(File.Exists(Path.Combine(_claims, recent.FileName)));
        Assert.True(File.Exists(stranger));
    }

    [Fact]
    public void A_claim_directory_others_may_write_to_stops_the_worker()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var open = _temp.File("open");
        System.IO.Directory.CreateDirectory(open);
        File.SetUnixFileMode(open, (UnixFileMode)0x1FF);
        var failure = Assert.Throws<InvalidOperationException>(() => new FileClaimStore(open));
        Assert.Contains("writable by others", failure.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();

    private static DeliverEmail Mail(Uri? address) => new()
    {
        MailId = Guid.NewGuid(),
        EnvelopeFrom = "bounces@bank.example",
        EnvelopeTo = ["customer@example.org"],
        Content = [],
        ContentAddress = address,
    };
}
