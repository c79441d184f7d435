using System.Text.RegularExpressions;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Testing;

namespace SmimePipeline.Cryptography.Tests.Certificates;

/// <summary>
/// Session 22: the worker starts <c>smime.certificates.validation_failures</c> at 0 for each of
/// <see cref="CertificateValidator.Refusals"/>. The list must be the refusals validation really creates: every
/// <c>new ProtectionRefusedException(ProtectionRefusal.X, …)</c> in <see cref="CertificateRules"/> and
/// <see cref="CertificateValidator"/>, no more and no fewer, so that a new refusal cannot be born at 1 unnoticed.
/// </summary>
public sealed partial class CertificateValidatorRefusalsTests
{
    [Fact]
    public void The_refusals_listed_are_the_ones_certificate_validation_creates()
    {
        var created = new[] { "CertificateRules.cs", "CertificateValidator.cs" }
            .Select(file => File.ReadAllText(RepositoryPaths.Of("src", "SmimePipeline.Cryptography", "Certificates", file)))
            .SelectMany(text => Creation().Matches(text).Select(m => Enum.Parse<ProtectionRefusal>(m.Groups["refusal"].Value)))
            .ToHashSet();

        Assert.NotEmpty(created);
        Assert.Equal(created.Order(), CertificateValidator.Refusals.Order());
        Assert.Equal(CertificateValidator.Refusals.Count, CertificateValidator.Refusals.Distinct().Count());
    }

    [GeneratedRegex(@"new ProtectionRefusedException\(\s*ProtectionRefusal\.(?<refusal>[A-Za-z]+)")]
    private static partial Regex Creation();
}
