using Microsoft.Extensions.Diagnostics.HealthChecks;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Pkcs11;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// Readiness of the PKCS#11 tokens that hold signer keys filed in the store: each is probed (a session, the login,
/// <c>C_GetSessionInfo</c>), which also reconnects a token that came back. Unhealthy while any is unavailable, so the
/// signer is taken out of service while its mails wait in the retry; healthy when no signer key lives in a token.
/// The description names the token and the PKCS#11 return code, never a PIN.
/// </summary>
public sealed class Pkcs11HealthCheck(DirectoryCertificateStore files, Pkcs11KeyProvider provider) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var uris = files.List()
            .Where(e => e.KeyLocation == SignerKeyLocation.Pkcs11 && e.KeyUri is not null)
            .Select(e => e.KeyUri!)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (uris.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy("No signer key lives in a PKCS#11 token."));
        }

        var problems = new List<string>();
        var tokens = new HashSet<Pkcs11Token>();
        foreach (var text in uris)
        {
            try
            {
                tokens.Add(provider.GetToken(Pkcs11Uri.Parse(text)));
            }
            catch (Pkcs11UnavailableException e)
            {
                problems.Add(e.Message);
            }
        }

        foreach (var token in tokens)
        {
            if (!token.Probe())
            {
                problems.Add(token.LastError ?? $"The PKCS#11 token '{token.Name}' is unavailable.");
            }
        }

        return Task.FromResult(problems.Count == 0
            ? HealthCheckResult.Healthy($"{tokens.Count} PKCS#11 token(s) available.")
            : HealthCheckResult.Unhealthy(string.Join(" ", problems)));
    }
}
