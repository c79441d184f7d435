using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Signing;

/// <summary>Turns validation outcomes into the <c>smime.certificates.validation_failures</c> counter and log lines.</summary>
public sealed class CertificateValidationTelemetry(SmimeTelemetry telemetry, ILogger<CertificateValidationTelemetry> logger) : ICertificateValidationObserver
{
    /// <inheritdoc />
    public void Refused(ProtectionRefusedException refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        telemetry.RecordCertificateValidationFailure(refusal.ReasonCode);
        Log.CertificateRefused(logger, refusal.Address, refusal.ReasonCode, refusal.Message);
    }

    /// <inheritdoc />
    public void Warned(string address, string reasonCode, string message)
    {
        telemetry.RecordCertificateValidationFailure(reasonCode);
        Log.CertificateWarning(logger, address, reasonCode, message);
    }
}
