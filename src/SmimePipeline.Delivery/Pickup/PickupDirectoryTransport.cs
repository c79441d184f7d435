using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using Microsoft.Extensions.Options;

namespace SmimePipeline.Delivery.Pickup;

/// <summary>
/// Delivers by writing each mail as <c>&lt;mail id&gt;.eml</c> into a directory, for tests, demos and
/// mail servers that pick files up. A reader never sees a half-written file: the mail is written
/// to a hidden temporary file in the same directory, flushed to disk, then renamed (rename is
/// atomic within one file system), and the directory is flushed before the receipt is returned, so a
/// mail reported delivered survives a power loss (mails renamed while a flush runs share the next one:
/// <see cref="DirectoryFlushGroup"/>). Sending the same mail id again replaces the file with the same
/// content, so redelivery never creates a duplicate.
/// </summary>
public sealed class PickupDirectoryTransport : IMailTransport
{
    /// <summary>The transport name used in configuration and receipts.</summary>
    public const string TransportName = "pickup";

    private readonly string _directory;

    // Temp file names: a random part drawn once per transport (another process writing the same directory draws its
    // own) and a counter per attempt, instead of random bytes per mail.
    private readonly string _tempPrefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)) + "-";
    private long _attempts;

    // The renames of mails handed over at the same time share one fsync of the directory (group commit).
    private readonly DirectoryFlushGroup _entries;

    /// <summary>Creates the transport for the configured directory.</summary>
    public PickupDirectoryTransport(IOptions<PickupDirectoryOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Value.Directory, "options.Directory");
        _directory = Path.GetFullPath(options.Value.Directory);
        _entries = new DirectoryFlushGroup(_directory);
    }

    /// <inheritdoc />
    public string Name => TransportName;

    /// <summary>Full path of the file a mail with <paramref name="mailId"/> is written to.</summary>
    public string PathFor(Guid mailId) => Path.Combine(_directory, FileNameFor(mailId));

    /// <inheritdoc />
    /// <exception cref="DeliveryException">
    /// The directory cannot be written (<see cref="DeliveryFailureKind.Configuration"/> when access is
    /// denied, <see cref="DeliveryFailureKind.Transient"/> for other I/O errors such as a full disk).
    /// </exception>
    public Task<DeliveryReceipt> SendAsync(OutgoingMail mail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mail);
        cancellationToken.ThrowIfCancellationRequested();
        var fileName = FileNameFor(mail.MailId);
        var finalPath = Path.Combine(_directory, fileName);
        // Unique per attempt: two concurrent redeliveries of the same mail (in this process or another one writing
        // the same directory) never share a temp file.
        var tempPath = Path.Combine(_directory, $".{fileName}.{_tempPrefix}{Interlocked.Increment(ref _attempts):x}.tmp");
        return SendCoreAsync(mail, fileName, finalPath, tempPath);
    }

    private async Task<DeliveryReceipt> SendCoreAsync(OutgoingMail mail, string fileName, string finalPath, string tempPath)
    {
        try
        {
            WriteDurably(tempPath, mail.Content.Span);
            File.Move(tempPath, finalPath, overwrite: true);
            // The rename is what the receipt reports; it must survive a power loss too, not only the file's bytes: no
            // receipt before an fsync of the directory that started after this rename (shared with concurrent mails).
            await _entries.FlushAsync();
        }
        catch (UnauthorizedAccessException e)
        {
            DeleteQuietly(tempPath);
            throw new DeliveryException(DeliveryFailureKind.Configuration, Name, null, $"Cannot write to the pickup directory {_directory}: {e.Message}", e);
        }
        catch (IOException e)
        {
            DeleteQuietly(tempPath);
            throw new DeliveryException(DeliveryFailureKind.Transient, Name, null, $"Writing to the pickup directory {_directory} failed: {e.Message}", e);
        }

        return new DeliveryReceipt(Name, fileName, mail.EnvelopeTo, []);
    }

    private static string FileNameFor(Guid mailId) => $"{mailId:N}.eml";

    /// <summary>
    /// Writes <paramref name="content"/> into a new file at <paramref name="path"/> and flushes it to the disk, creating
    /// the directory first when it is missing (at the first mail, or after someone removed it).
    /// </summary>
    /// <remarks>
    /// Synchronous on purpose (issue 17, session 9): the <c>fsync</c> blocks the calling thread in any case, and an
    /// asynchronous file write on Linux is the same blocking write queued to another thread-pool thread first. The file is
    /// opened as a handle (no <see cref="FileStream"/> and its buffers) and created exclusively: its name is new.
    /// </remarks>
    private void WriteDurably(string path, ReadOnlySpan<byte> content)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        }
        catch (DirectoryNotFoundException)
        {
            Directory.CreateDirectory(_directory);
            handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        }

        using (handle)
        {
            RandomAccess.Write(handle, content, fileOffset: 0);
            // Flush to the disk, not only to the OS, before the rename makes the file visible:
            // otherwise a crash could leave a visible but empty or truncated file.
            RandomAccess.FlushToDisk(handle);
        }
    }

    // Only used while an error is already being reported: the temp file is hidden and harmless,
    // and a failure to remove it must not replace the original error.
    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Keep the original error; the hidden temp file is left behind.
        }
        catch (UnauthorizedAccessException)
        {
            // Keep the original error; the hidden temp file is left behind.
        }
    }
}
