namespace SmimePipeline.Worker.Configuration;

/// <summary>Where the recipient directory lives.</summary>
public enum DirectoryProvider
{
    /// <summary>An embedded SQLite file (one node). The default.</summary>
    Sqlite,

    /// <summary>PostgreSQL, shared by every signer worker of a deployment.</summary>
    Postgres,
}
