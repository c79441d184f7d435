using SmimePipeline.Contracts;

namespace SmimePipeline.Worker.Validation;

/// <summary>Checks a <see cref="HarvestCertificate"/>: its request id and a non-empty mail within the size limit.</summary>
public static class HarvestCertificateValidator
{
    /// <summary>What is wrong with <paramref name="request"/>, or <see langword="null"/>.</summary>
    public static MailRefusal? Validate(HarvestCertificate? request, int maxMessageBytes)
    {
        if (request is null)
        {
            return MailRefusal.Field("HarvestCertificate", "is empty");
        }

        return ContractRules.MailId(request.RequestId, "RequestId")
            ?? (request.Mail is null or { Length: 0 } ? MailRefusal.Field("Mail", "is empty") : null)
            ?? ContractRules.Size(request.Mail!.LongLength, maxMessageBytes, $"Harvest request {request.RequestId}'s mail");
    }
}
