using System.Runtime.InteropServices;

namespace SmimePipeline.Delivery.Pickup;

/// <summary>
/// Makes a directory's entries durable: after a file is renamed into a directory, the rename itself lives
/// only in the operating system's cache until the directory is flushed, so a power loss could take a mail
/// that was already reported delivered. POSIX asks for an <c>fsync</c> of the directory; .NET opens no
/// directory handles, so this calls <c>open</c>, <c>fsync</c> and <c>close</c> from the C library directly
/// (no package here does only this). On Windows, where a rename is a journaled metadata operation and
/// directories cannot be flushed this way, it does nothing.
/// </summary>
internal static partial class DirectoryEntries
{
    private const int ReadOnly = 0; // O_RDONLY: enough to open a directory for fsync on Linux and macOS

    /// <summary>Flushes <paramref name="directory"/>'s entries (names, renames) to the disk.</summary>
    /// <exception cref="IOException">The directory cannot be opened or flushed; the message names the directory and the system's error.</exception>
    public static void Flush(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var descriptor = Open(directory, ReadOnly);
        if (descriptor < 0)
        {
            throw new IOException($"Cannot open the directory {directory} to flush it: {Marshal.GetLastPInvokeErrorMessage()}");
        }

        try
        {
            if (Fsync(descriptor) != 0)
            {
                throw new IOException($"Flushing the directory {directory} to disk failed: {Marshal.GetLastPInvokeErrorMessage()}");
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);
}
