using SmimePipeline.CertificateDirectory.Dkim;

namespace SmimePipeline.Directory.Tests.Dkim;

/// <summary>Which DKIM signing domains may vouch for which From domains.</summary>
public sealed class DkimAlignmentTests
{
    [Theory]
    [InlineData("bank.example", "bank.example", true)]
    [InlineData("bank.example", "mail.bank.example", true)]
    [InlineData("mail.bank.example", "bank.example", false)]
    [InlineData("other.example", "bank.example", false)]
    [InlineData("example", "bank.example", false)]
    [InlineData("co.uk", "bank.co.uk", false)]
    [InlineData("bank.co.uk", "mail.bank.co.uk", true)]
    [InlineData("ank.example", "bank.example", false)]
    public void Require_accepts_the_From_domain_and_its_parents_up_to_the_organisational_domain(string signing, string from, bool aligned)
        => Assert.Equal(aligned, OrganisationalDomain.Aligned(signing, from, DkimAlignment.Require));

    [Theory]
    [InlineData("mail.bank.example", "bank.example", true)]
    [InlineData("news.bank.example", "mail.bank.example", true)]
    [InlineData("bank.example", "mail.bank.example", true)]
    [InlineData("evil.co.uk", "bank.co.uk", false)]
    [InlineData("bank.example.net", "bank.example", false)]
    public void Relaxed_accepts_any_domain_of_the_same_organisation(string signing, string from, bool aligned)
        => Assert.Equal(aligned, OrganisationalDomain.Aligned(signing, from, DkimAlignment.Relaxed));

    [Theory]
    [InlineData("a.b.bank.example", "bank.example")]
    [InlineData("bank.co.uk", "bank.co.uk")]
    [InlineData("x.bank.com.au", "bank.com.au")]
    [InlineData("example", "example")]
    public void The_organisational_domain_is_one_label_below_the_public_suffix(string domain, string organisation)
        => Assert.Equal(organisation, OrganisationalDomain.Of(domain));
}
