namespace SmimePipeline.CertificateDirectory.Registration;

/// <summary>Where the recipient directory of <see cref="SmimeCertificatesOptions"/> lives.</summary>
public enum RecipientDirectoryProvider
{
    /// <summary>An embedded SQLite file (one node, the CLI). The default.</summary>
    Sqlite,

    /// <summary>PostgreSQL, shared by every signer worker and CLI of a deployment.</summary>
    Postgres,
}
