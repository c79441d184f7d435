using System.CommandLine;
using SmimePipeline.Cryptography.Certificates;

namespace SmimePipeline.Cli.Commands;

/// <summary>The <c>--revocation Strict|Lenient|Off</c> option of the commands that validate certificates.</summary>
internal static class RevocationOption
{
    public static Option<RevocationPolicy> Create() => new("--revocation")
    {
        Description = "Strict (default): refuse when a CRL/OCSP source is unreachable; Lenient: warn and go on; Off: do not check revocation.",
        DefaultValueFactory = _ => RevocationPolicy.Strict,
    };
}
