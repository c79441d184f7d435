using Microsoft.Extensions.Options;
using SmimePipeline.CertificateDirectory;
using SmimePipeline.CertificateDirectory.Registration;

namespace SmimePipeline.Cli.Commands;

/// <summary>
/// The recipient directory a <c>certs</c> command writes to, opened by the worker's own registration
/// (<see cref="CertificateServices"/>): the provider, connection, table prefix, password file and SQLite path the workers
/// read, so that what the command writes is what they find. Disposing it closes the directory.
/// </summary>
internal sealed class OpenedDirectory : IDisposable
{
    private readonly ServiceProvider _services;

    public OpenedDirectory(ServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        _services = services;
        Directory = services.GetRequiredService<IRecipientDirectory>();
        IsPostgres = services.GetRequiredService<IOptions<SmimeCertificatesOptions>>().Value.Provider == RecipientDirectoryProvider.Postgres;
    }

    /// <summary>The directory.</summary>
    public IRecipientDirectory Directory { get; }

    /// <summary>Whether it is the PostgreSQL directory (no file store is mirrored then).</summary>
    public bool IsPostgres { get; }

    public void Dispose() => _services.Dispose();
}
