using SmimePipeline.Messaging;
using SmimePipeline.Messaging.ProducerClaims;
using SmimePipeline.Worker.ClaimCheck;

namespace SmimePipeline.Worker.Tests.ClaimCheck;

/// <summary>
/// The one claim-address parser (<see cref="ClaimAddressFormat"/>) as both claim ids use it: the sender's
/// <see cref="ClaimId"/> (<c>urn:smime-claim:</c>) and the producer's <see cref="ProtectClaimId"/>
/// (<c>urn:smime-protect-claim:</c>) accept only their own prefix and exactly 32 lower-case hex digits, and a refused
/// address is echoed at most 80 characters long, control characters masked.
/// </summary>
public sealed class ClaimAddressFormatTests
{
    private const string Digits = "0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("urn:smime-protect-claim:" + Digits)]
    [InlineData("urn:smime-claim:0123456789ABCDEF0123456789abcdef")]
    [InlineData("urn:smime-claim:0123456789abcdef0123456789abcde")]
    [InlineData("urn:smime-claim:0123456789abcdef0123456789abcdef0")]
    [InlineData("urn:smime-claim:01234567-89ab-cdef-0123-456789abcdef")]
    [InlineData("urn:smime-claim:../../../../etc/passwd000000000000000")]
    [InlineData("URN:SMIME-CLAIM:" + Digits)]
    [InlineData("file:///var/claims/" + Digits)]
    public void The_sender_claim_id_takes_only_its_own_exact_form(string address)
    {
        Assert.False(ClaimId.TryParse(new Uri(address, UriKind.RelativeOrAbsolute), out var id, out var problem));
        Assert.Equal(default, id);
        Assert.StartsWith("content address '", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_sender_claim_id_round_trips_and_names_its_file()
    {
        Assert.True(ClaimId.TryParse(new Uri("urn:smime-claim:" + Digits), out var id, out var problem));
        Assert.Null(problem);
        Assert.Equal(Digits, id.Value);
        Assert.Equal(Digits + ".claim", id.FileName);

        var fresh = ClaimId.NewId();
        Assert.True(ClaimId.TryParse(fresh.Address, out var parsed, out _));
        Assert.Equal(fresh, parsed);
        Assert.False(ClaimId.TryParse(null, out _, out var none));
        Assert.Equal("no content address", none);
    }

    [Theory]
    [InlineData(Digits + ".claim", true)]
    [InlineData("0123456789ABCDEF0123456789abcdef.claim", false)]
    [InlineData(Digits + ".claim.partial", false)]
    [InlineData("0123456789abcdef0123456789abcde.claim", false)]
    [InlineData("..claim", false)]
    [InlineData(".claim", false)]
    public void Only_32_lower_case_digits_and_the_extension_name_a_claim_file(string fileName, bool expected)
    {
        Assert.Equal(expected, ClaimId.IsClaimFileName(fileName));
    }

    [Fact]
    public void Each_kind_names_its_own_expected_prefix()
    {
        Assert.False(ClaimId.TryParse(new Uri("urn:smime-protect-claim:" + Digits), out _, out var senderProblem));
        Assert.Contains("expected urn:smime-claim:<32 hex digits>", senderProblem, StringComparison.Ordinal);

        Assert.False(ProtectClaimId.TryParse("urn:smime-claim:" + Digits, out _, out var producerProblem));
        Assert.Equal(
            "claim address 'urn:smime-claim:" + Digits + "' is not a producer claim (expected urn:smime-protect-claim:<32 lower-case hex digits>)",
            producerProblem);
    }

    [Fact]
    public void A_refused_address_is_echoed_shortened_and_without_control_characters()
    {
        var format = new ClaimAddressFormat("urn:test-claim:", "test address", "is not a test claim");
        var address = "urn:test-claim:\u0007" + new string('a', 200);

        Assert.False(format.TryParse(address, out var id, out var problem));

        Assert.Equal(Guid.Empty, id);
        var echoed = problem[(problem.IndexOf('\'', StringComparison.Ordinal) + 1)..problem.LastIndexOf('\'')];
        Assert.Equal(ClaimAddressFormat.EchoedCharacters + 1, echoed.Length);
        Assert.EndsWith("…", echoed, StringComparison.Ordinal);
        Assert.DoesNotContain('\u0007', echoed);
        Assert.Contains("urn:test-claim:?", echoed, StringComparison.Ordinal);
    }

    [Fact]
    public void The_format_writes_what_it_reads()
    {
        var format = new ClaimAddressFormat("urn:test-claim:", "test address", "is not a test claim");
        var id = Guid.NewGuid();

        Assert.True(format.TryParse(format.Format(id), out var parsed, out _));
        Assert.Equal(id, parsed);
        Assert.Throws<ArgumentException>(() => new ClaimAddressFormat(" ", "test address", "is not a test claim"));
    }
}
