using System.Buffers;
using System.Security.Cryptography;

namespace SmimePipeline.Messaging.ProducerClaims;

/// <summary>
/// A producer claim's bytes on their way into the store: either an array of their own or one rented from
/// <see cref="ArrayPool{T}.Shared"/> (<see cref="ProtectClaimContent.WritePooled"/>). A claim holds the mail's bodies and
/// attachments, so a rented array is cleared (<see cref="CryptographicOperations.ZeroMemory"/>, the written part: the
/// rest was never written by us) before it goes back to the pool on <see cref="Dispose"/>; dispose only after the store's
/// <see cref="IProtectClaimStore.PutAsync"/> has returned or thrown (it reads <see cref="Memory"/> until then).
/// </summary>
public sealed class ProtectClaimBuffer : IDisposable
{
    private byte[]? _array;
    private readonly bool _rented;

    private ProtectClaimBuffer(byte[] array, int length, bool rented)
    {
        _array = array;
        Length = length;
        _rented = rented;
    }

    /// <summary>The claim's length in bytes.</summary>
    public int Length { get; }

    /// <summary>The claim's bytes.</summary>
    /// <exception cref="ObjectDisposedException">After <see cref="Dispose"/>.</exception>
    public ReadOnlyMemory<byte> Memory => new(_array ?? throw new ObjectDisposedException(nameof(ProtectClaimBuffer)), 0, Length);

    /// <summary>A claim in an array of its own (nothing goes back to a pool).</summary>
    public static ProtectClaimBuffer Of(byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return new ProtectClaimBuffer(content, content.Length, rented: false);
    }

    internal static ProtectClaimBuffer Rented(byte[] array, int length) => new(array, length, rented: true);

    /// <summary>Clears a rented array and returns it to the pool; safe to call twice.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _array, null) is { } array && _rented)
        {
            CryptographicOperations.ZeroMemory(array.AsSpan(0, Length));
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
