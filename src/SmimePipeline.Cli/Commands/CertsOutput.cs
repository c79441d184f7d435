using System.Globalization;
using System.Text.Json;
using SmimePipeline.Cli.Terminal;

namespace SmimePipeline.Cli.Commands;

/// <summary>How <c>certs list|show|expiring</c> print rows: a table for people, JSON for scripts.</summary>
internal static class CertsOutput
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static void Write(IReadOnlyList<CertificateRow> rows, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(rows, Json));
            return;
        }

        TextTable.Write(
            Console.Out,
            ["KIND", "ADDRESS", "EXPIRES", "DAYS", "SHA-256 (start)", "CAPS", "SUBJECT", "KEY"],
            [.. rows.Select(r => new[]
            {
                r.Kind,
                r.Address ?? "-",
                r.NotAfter.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                r.DaysToExpiry.ToString(CultureInfo.InvariantCulture),
                r.Thumbprint[..16],
                r.HasSmimeCapabilities ? "yes" : "-",
                r.Subject,
                r.KeyUri ?? r.Key ?? "-",
            })]);
    }
}

/// <summary>One certificate as the CLI prints it.</summary>
internal sealed record CertificateRow(
    string Kind,
    string? Address,
    string Subject,
    string Thumbprint,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    int DaysToExpiry,
    bool HasSmimeCapabilities)
{
    /// <summary>For signers, where the private key lives: <c>file</c>, <c>pkcs11</c> or <c>mounted</c>.</summary>
    public string? Key { get; init; }

    /// <summary>For signers whose key is in a PKCS#11 token, its <c>pkcs11:</c> URI (never a PIN).</summary>
    public string? KeyUri { get; init; }
}
