using System.Buffers;
using System.Security.Cryptography;

namespace SmimePipeline.Cryptography.Buffers;

/// <summary>
/// A write-only stream over buffers rented from <see cref="ArrayPool{T}.Shared"/>. Every buffer is zeroed
/// before it goes back to the pool (it may have held plaintext), when growing and on dispose, unless the
/// stream was created for ciphertext only. Keeps large message buffers off the large object heap.
/// Not thread-safe; one per message and stage.
/// </summary>
public sealed class PooledMemoryStream : Stream, IBufferWriter<byte>
{
    private readonly bool _holdsPlaintext;
    private byte[] _buffer;
    private int _length;

    /// <summary>Creates a stream with at least <paramref name="initialCapacity"/> bytes of room.</summary>
    /// <param name="initialCapacity">The expected size; it grows as needed.</param>
    /// <param name="holdsPlaintext">
    /// <see langword="false"/> only for a stream that never receives anything secret (ciphertext, public
    /// structures): its buffers go back to the pool without being cleared.
    /// </param>
    public PooledMemoryStream(int initialCapacity = 16 * 1024, bool holdsPlaintext = true)
    {
        _holdsPlaintext = holdsPlaintext;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 256));
    }

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>The bytes written so far; valid until the next write or dispose.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    /// <inheritdoc />
    public override bool CanRead => false;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => true;

    /// <inheritdoc />
    public override long Length => _length;

    /// <inheritdoc />
    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    /// <summary>Drops everything after the first <paramref name="length"/> bytes (zeroing it).</summary>
    /// <param name="length">The new length, at most <see cref="Length"/>.</param>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _length);
        CryptographicOperations.ZeroMemory(_buffer.AsSpan(length, _length - length));
        _length = length;
    }

    /// <summary>A copy of the written bytes in an exactly sized array.</summary>
    /// <returns>The bytes.</returns>
    public byte[] ToArray() => WrittenSpan.ToArray();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        EnsureCapacity(_length + buffer.Length);
        buffer.CopyTo(_buffer.AsSpan(_length));
        _length += buffer.Length;
    }

    /// <summary>Room for at least <paramref name="sizeHint"/> bytes after the written ones (see <see cref="IBufferWriter{T}"/>).</summary>
    /// <param name="sizeHint">The bytes the caller will write; at least 1 is given.</param>
    /// <returns>The free space; commit what was written with <see cref="Advance"/>.</returns>
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureCapacity(_length + Math.Max(sizeHint, 1));
        return _buffer.AsSpan(_length);
    }

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureCapacity(_length + Math.Max(sizeHint, 1));
        return _buffer.AsMemory(_length);
    }

    /// <summary>Commits <paramref name="count"/> bytes written into the span from <see cref="GetSpan"/>.</summary>
    /// <param name="count">How many bytes were written.</param>
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _length);
        _length += count;
    }

    /// <inheritdoc />
    public override void WriteByte(byte value)
    {
        EnsureCapacity(_length + 1);
        _buffer[_length++] = value;
    }

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer, offset, count);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && _buffer.Length > 0)
        {
            Clear(_buffer.AsSpan(0, _length));
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
            _length = 0;
        }

        base.Dispose(disposing);
    }

    private void EnsureCapacity(int required)
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        if (required <= _buffer.Length)
        {
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(required, _buffer.Length * 2));
        _buffer.AsSpan(0, _length).CopyTo(larger);
        Clear(_buffer.AsSpan(0, _length));
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }

    private void Clear(Span<byte> written)
    {
        if (_holdsPlaintext)
        {
            CryptographicOperations.ZeroMemory(written);
        }
    }
}
