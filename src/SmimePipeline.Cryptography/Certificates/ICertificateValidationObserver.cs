using SmimePipeline.Cryptography.Errors;

namespace SmimePipeline.Cryptography.Certificates;

/// <summary>Hears validation outcomes, for metrics and logs (the validator itself knows neither).</summary>
public interface ICertificateValidationObserver
{
    /// <summary>A certificate was refused.</summary>
    /// <param name="refusal">The refusal, with its reason code and address.</param>
    void Refused(ProtectionRefusedException refusal);

    /// <summary>A certificate was accepted with a warning (a revocation source unreachable under <see cref="RevocationPolicy.Lenient"/>).</summary>
    /// <param name="address">The address the certificate was validated for.</param>
    /// <param name="reasonCode">A kebab-case reason code.</param>
    /// <param name="message">A sentence naming the certificate and the source.</param>
    void Warned(string address, string reasonCode, string message);
}
