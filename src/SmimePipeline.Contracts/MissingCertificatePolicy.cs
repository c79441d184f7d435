namespace SmimePipeline.Contracts;

/// <summary>What happens to a mail when a recipient has no valid certificate.</summary>
public enum MissingCertificatePolicy
{
    /// <summary>Nothing is sent; the mail goes to the error queue naming each recipient and its reason. The default.</summary>
    Fail,

    /// <summary>Sent signed but not encrypted, only when <see cref="SecurityPolicy.AllowSignOnly"/> is set.</summary>
    SignOnly,

    /// <summary>An encrypted copy goes to the recipients with valid certificates; the rest get an outcome in the events.</summary>
    Split,
}
