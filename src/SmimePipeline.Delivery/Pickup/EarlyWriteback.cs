using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SmimePipeline.Delivery.Pickup;

/// <summary>
/// Writes a large file so that its data reaches the disk while it is written, a chunk at a time, instead of all at once in
/// its <c>fsync</c> (issue 17, session 17). A small mail's <c>fsync</c> queues at the device behind whatever another file's
/// <c>fsync</c> has put there: after one 2.8 MB write, that is all of it. Here each chunk's write-back is started
/// (<c>sync_file_range(SYNC_FILE_RANGE_WRITE)</c>) once it is written, and the chunk before it is waited for
/// (<c>SYNC_FILE_RANGE_WAIT_BEFORE</c>), so at most two chunks of this file are queued at the device at any moment; the
/// caller's <c>fsync</c> then has only the last chunk, the file's metadata and the device's cache flush left.
/// <c>sync_file_range</c> makes nothing durable by itself (no metadata, no cache flush): the file's <c>fsync</c> after it
/// still decides when the file is on the disk. Linux only; elsewhere, and for files of at most two chunks, the file is
/// written in one call as before.
/// </summary>
internal static partial class EarlyWriteback
{
    /// <summary>Bytes written and started to the disk at a time.</summary>
    public const int ChunkBytes = 256 * 1024;

    private const uint WaitBefore = 1; // SYNC_FILE_RANGE_WAIT_BEFORE: wait for write-back already under way in the range
    private const uint Write = 2; // SYNC_FILE_RANGE_WRITE: start write-back of the range's dirty pages, do not wait

    /// <summary>Whether <paramref name="length"/> bytes are written in chunks on this system.</summary>
    public static bool AppliesTo(int length) => OperatingSystem.IsLinux() && length > 2 * ChunkBytes;

    /// <summary>
    /// Writes <paramref name="content"/> at the start of <paramref name="handle"/>'s file in <see cref="ChunkBytes"/> chunks,
    /// each started to the disk, at most two of them under write-back at once. The caller flushes the file afterwards.
    /// </summary>
    /// <exception cref="IOException">Starting or waiting for a chunk's write-back failed; the message names the system's error.</exception>
    public static void WriteInChunks(SafeFileHandle handle, ReadOnlySpan<byte> content)
    {
        for (var offset = 0; offset < content.Length; offset += ChunkBytes)
        {
            var length = Math.Min(ChunkBytes, content.Length - offset);
            RandomAccess.Write(handle, content.Slice(offset, length), offset);
            Check(SyncFileRange(handle, offset, length, Write), "start writing back");
            if (offset >= ChunkBytes)
            {
                Check(SyncFileRange(handle, offset - ChunkBytes, ChunkBytes, WaitBefore), "wait for the write-back of");
            }
        }
    }

    private static void Check(int result, string what)
    {
        if (result != 0)
        {
            throw new IOException($"Could not {what} a chunk of a pickup file: {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(SafeFileHandle descriptor, long offset, long count, uint flags);
}
