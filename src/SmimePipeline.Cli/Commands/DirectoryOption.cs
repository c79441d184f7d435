using System.CommandLine;
using SmimePipeline.CertificateDirectory;

namespace SmimePipeline.Cli.Commands;

/// <summary>
/// Which recipient directory a <c>certs</c> command works on: the SQLite file <c>directory.sqlite</c> in the
/// store directory (default), or PostgreSQL with <c>--postgres CONNSTRING</c> (or <c>$SMIME_POSTGRES</c>).
/// </summary>
internal static class DirectoryOption
{
    public const string EnvironmentVariable = "SMIME_POSTGRES";
    public const string SqliteFileName = "directory.sqlite";

    public static Option<string?> Create() => new("--postgres")
    {
        Description = $"Use the PostgreSQL directory at this Npgsql connection string (default: ${EnvironmentVariable}, else SQLite in the store).",
    };

    public static bool UsesPostgres(ParseResult parseResult, Option<string?> option) =>
        !string.IsNullOrWhiteSpace(parseResult.GetValue(option) ?? Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>Opens the directory the options name.</summary>
    public static IRecipientDirectory Open(ParseResult parseResult, Option<string?> postgres, Option<string?> store)
    {
        var connectionString = parseResult.GetValue(postgres) ?? Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new PostgresRecipientDirectory(connectionString);
        }

        var storePath = StoreOption.Resolve(parseResult, store);
        System.IO.Directory.CreateDirectory(storePath);
        return new SqliteRecipientDirectory(Path.Combine(storePath, SqliteFileName));
    }
}
