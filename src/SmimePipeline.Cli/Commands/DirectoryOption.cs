using System.CommandLine;

namespace SmimePipeline.Cli.Commands;

/// <summary>
/// Which recipient directory a <c>certs</c> command works on: the SQLite file <c>directory.sqlite</c> in the
/// store directory (default), or PostgreSQL with <c>--postgres CONNSTRING</c> (or <c>$SMIME_POSTGRES</c>).
/// </summary>
internal static class DirectoryOption
{
    public const string EnvironmentVariable = "SMIME_POSTGRES";

    public static Option<string?> Create() => new("--postgres")
    {
        Description = $"Use the PostgreSQL directory at this Npgsql connection string (default: ${EnvironmentVariable}, else SQLite in the store).",
    };

    public static bool UsesPostgres(ParseResult parseResult, Option<string?> option) =>
        !string.IsNullOrWhiteSpace(parseResult.GetValue(option) ?? Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>
    /// Opens the directory the options name (<c>--postgres</c>, else <c>$SMIME_POSTGRES</c>, else the worker's
    /// <c>SmimePipeline__Directory__*</c>, else SQLite in the store) through the worker's registration: its table prefix,
    /// password file and SQLite path too (session 20; before, these commands opened the directory themselves, and with a
    /// PostgreSQL directory under another prefix wrote to tables the workers never read).
    /// </summary>
    /// <exception cref="CliException">Invalid settings; the message names them.</exception>
    public static OpenedDirectory Open(ParseResult parseResult, Option<string?> postgres, Option<string?> store) =>
        new(CertificateServices.Build(parseResult, store, postgres, storeRequired: false));
}
