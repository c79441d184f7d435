using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.ClaimCheck;

/// <summary>
/// Claims as files directly inside one directory (a volume shared by signers and senders). Files are created
/// 0600 (directory 0700 when this store creates it), written under a temporary name and renamed, so a reader
/// never sees half a claim. Reading takes a <see cref="ClaimId"/>, never a path from the bus: the file name is
/// built from the id's 32 hexadecimal digits, its full path must lie directly in the claim directory, and it
/// must be a regular file, not a symbolic link, or nothing is opened.
/// </summary>
public sealed class FileClaimStore : IClaimStore
{
    private const string PartialExtension = ".partial";
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Opens (and creates, 0700, when missing) the claim directory <paramref name="directory"/>.</summary>
    /// <exception cref="InvalidOperationException">
    /// The directory is a symbolic link to elsewhere, or others may write to it (mode o+w): anyone could plant a claim.
    /// </exception>
    public FileClaimStore(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        if (!System.IO.Directory.Exists(full))
        {
            if (OperatingSystem.IsWindows())
            {
                System.IO.Directory.CreateDirectory(full);
            }
            else
            {
                System.IO.Directory.CreateDirectory(full, DirectoryMode);
            }
        }

        var info = new DirectoryInfo(full);
        if (info.LinkTarget is not null)
        {
            // The link's target becomes the directory: containment is checked against the real one.
            info = (DirectoryInfo?)info.ResolveLinkTarget(returnFinalTarget: true)
                ?? throw new InvalidOperationException($"The claim directory {full} is a symbolic link whose target does not exist.");
            full = Path.TrimEndingDirectorySeparator(info.FullName);
        }

        if (!OperatingSystem.IsWindows() && (info.UnixFileMode & UnixFileMode.OtherWrite) != 0)
        {
            throw new InvalidOperationException(
                $"The claim directory {full} is writable by others (mode {Convert.ToString((int)info.UnixFileMode, 8)}); " +
                "anyone could plant a claim there. Use a directory of the worker's own user or group (SmimePipeline:ClaimCheck:Directory).");
        }

        Directory = full;
    }

    /// <summary>The claim directory's full path.</summary>
    public string Directory { get; }

    /// <inheritdoc />
    public async Task<ClaimId> PutAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var id = ClaimId.NewId();
        var path = PathOf(id);
        var partial = Path.Join(Directory, id.Value + PartialExtension);
        var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }

        try
        {
            await using (var stream = new FileStream(partial, options))
            {
                await stream.WriteAsync(content, cancellationToken);
                // The DeliverEmail that names this claim is confirmed by the broker next: the bytes must be on disk first.
                stream.Flush(flushToDisk: true);
            }

            File.Move(partial, path);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }

        return id;
    }

    /// <inheritdoc />
    public async Task<byte[]> LoadAsync(ClaimId id, long maxBytes, CancellationToken cancellationToken)
    {
        var path = PathOf(id);
        var file = new FileInfo(path);
        if (file.LinkTarget is not null)
        {
            throw Refused(MailRefusal.ClaimRefused, $"claim {id} is a symbolic link, not a file the pipeline wrote; it is not followed");
        }

        if (!file.Exists)
        {
            throw Refused(
                MailRefusal.ClaimMissing,
                System.IO.Directory.Exists(path)
                    ? $"claim {id} is a directory, not a file the pipeline wrote"
                    : $"claim {id} is not in the claim directory (already delivered and deleted, swept after the retention period, or signer and sender do not share SmimePipeline:ClaimCheck:Directory)");
        }

        if (file.Length > maxBytes)
        {
            throw Refused(MailRefusal.MessageTooLarge, $"claim {id} holds {file.Length} bytes, above the limit of {maxBytes} (SmimePipeline:MaxMessageBytes)");
        }

        FileStream stream;
        try
        {
            stream = new FileStream(path, new FileStreamOptions { Mode = System.IO.FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read, Options = FileOptions.Asynchronous | FileOptions.SequentialScan });
        }
        catch (FileNotFoundException)
        {
            throw Refused(MailRefusal.ClaimMissing, $"claim {id} disappeared from the claim directory while it was being read");
        }

        await using (stream)
        {
            // Checked again on the open handle: the file may have grown between the look and the open.
            var length = stream.Length;
            if (length > maxBytes)
            {
                throw Refused(MailRefusal.MessageTooLarge, $"claim {id} holds {length} bytes, above the limit of {maxBytes} (SmimePipeline:MaxMessageBytes)");
            }

            // Not zeroed first (2.9 MB for a 1.5 MB attachment): ReadExactlyAsync fills every byte or throws.
            var content = GC.AllocateUninitializedArray<byte>((int)length);
            await stream.ReadExactlyAsync(content, cancellationToken);
            return content;
        }
    }

    /// <inheritdoc />
    public void Delete(ClaimId id) => File.Delete(PathOf(id));

    /// <inheritdoc />
    public int DeleteOlderThan(DateTimeOffset cutoff)
    {
        var deleted = 0;
        foreach (var file in new DirectoryInfo(Directory).EnumerateFiles())
        {
            var name = file.Name;
            var isPartial = name.EndsWith(PartialExtension, StringComparison.Ordinal)
                && ClaimId.IsClaimFileName(name[..^PartialExtension.Length] + ClaimId.FileExtension);
            if ((isPartial || ClaimId.IsClaimFileName(name)) && file.LastWriteTimeUtc < cutoff.UtcDateTime)
            {
                file.Delete();
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>The claim's path, built from the parsed id only, and checked to lie directly in <see cref="Directory"/>.</summary>
    private string PathOf(ClaimId id)
    {
        if (id.Value is null)
        {
            throw new ArgumentException("The claim id is empty.", nameof(id));
        }

        var path = Path.GetFullPath(Path.Join(Directory, id.FileName));
        if (!string.Equals(Path.GetDirectoryName(path), Directory, StringComparison.Ordinal))
        {
            throw Refused(MailRefusal.ClaimRefused, $"claim {id} does not resolve inside the claim directory");
        }

        return path;
    }

    private static MailRefusedException Refused(string code, string reason) => new(new MailRefusal(code, reason));
}
