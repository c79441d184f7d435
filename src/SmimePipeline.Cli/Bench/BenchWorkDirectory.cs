using System.Security.Cryptography;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// A bench run's working directory (its pickup files, ledger and demo PKI): by default a new temporary directory that is
/// deleted when the run ends; under a parent given with <c>--work-dir</c>, a new directory that is left there for the
/// caller to delete. Why leave it (issue 17, session 16): deleting a run's thousands of pickup files made every file the
/// next run created in the next minutes scan past them — ext4 without a journal (this host's file system) skips inodes
/// freed in the last 1–6 minutes when it allocates one — which cost that run up to a third of its process CPU;
/// <c>scripts/bench.sh</c> leaves every run's files and deletes them when it ends.
/// </summary>
internal sealed class BenchWorkDirectory : IDisposable
{
    private readonly bool _leave;

    private BenchWorkDirectory(DirectoryInfo directory, bool leave)
    {
        Info = directory;
        _leave = leave;
    }

    /// <summary>The directory.</summary>
    public DirectoryInfo Info { get; }

    /// <summary>Its full path.</summary>
    public string FullName => Info.FullName;

    /// <summary>A new directory named <paramref name="prefix"/> and a random part: under the temporary path (deleted when disposed) or under <paramref name="parent"/> (left).</summary>
    public static BenchWorkDirectory Create(string prefix, string? parent) =>
        parent is null
            ? new(Directory.CreateTempSubdirectory(prefix), leave: false)
            : new(Directory.CreateDirectory(Path.Combine(Path.GetFullPath(parent), prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)))), leave: true);

    /// <summary>Deletes the directory unless it was made under a caller's parent.</summary>
    public void Dispose()
    {
        if (!_leave)
        {
            Info.Delete(recursive: true);
        }
    }
}
