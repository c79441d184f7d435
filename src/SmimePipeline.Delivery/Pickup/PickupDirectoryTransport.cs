using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace SmimePipeline.Delivery.Pickup;

/// <summary>
/// Delivers by writing each mail as <c>&lt;mail id&gt;.eml</c> into a directory, for tests, demos and
/// mail servers that pick files up. A reader never sees a half-written file: the mail is written
/// to a hidden temporary file in the same directory, flushed to disk, then renamed (rename is
/// atomic within one file system), and the directory is flushed before the receipt is returned, so a
/// mail reported delivered survives a power loss. Sending the same mail id again replaces the file with the same
/// content, so redelivery never creates a duplicate.
/// </summary>
public sealed class PickupDirectoryTransport : IMailTransport
{
    /// <summary>The transport name used in configuration and receipts.</summary>
    public const string TransportName = "pickup";

    private readonly string _directory;

    /// <summary>Creates the transport for the configured directory.</summary>
    public PickupDirectoryTransport(IOptions<PickupDirectoryOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Value.Directory, "options.Directory");
        _directory = Path.GetFullPath(options.Value.Directory);
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
    public async Task<DeliveryReceipt> SendAsync(OutgoingMail mail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mail);
        var fileName = FileNameFor(mail.MailId);
        var finalPath = Path.Combine(_directory, fileName);
        // A random part keeps two concurrent redeliveries of the same mail from sharing a temp file.
        var tempPath = Path.Combine(_directory, $".{fileName}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}.tmp");
        try
        {
            Directory.CreateDirectory(_directory);
            await WriteDurablyAsync(tempPath, mail.Content, cancellationToken);
            File.Move(tempPath, finalPath, overwrite: true);
            // The rename is what the receipt reports; it must survive a power loss too, not only the file's bytes.
            DirectoryEntries.Flush(_directory);
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
        catch (OperationCanceledException)
        {
            DeleteQuietly(tempPath);
            throw;
        }

        return new DeliveryReceipt(Name, fileName, mail.EnvelopeTo, []);
    }

    private static string FileNameFor(Guid mailId) => $"{mailId:N}.eml";

    private static async Task WriteDurablyAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0, useAsync: true);
        await stream.WriteAsync(content, cancellationToken);
        // Flush to the disk, not only to the OS, before the rename makes the file visible:
        // otherwise a crash could leave a visible but empty or truncated file.
        stream.Flush(flushToDisk: true);
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
