using System.Security.Cryptography;
using System.Text;

namespace SmimePipeline.Worker.Webhooks;

/// <summary>
/// A shared secret read from a mounted file (re-read when the file changes, so a rotated Secret takes effect
/// without a restart) and compared in constant time: both sides are hashed with SHA-256 first, so neither the
/// content nor the length of the secret leaks through timing.
/// </summary>
public sealed class WebhookSecret
{
    /// <summary>The shortest secret accepted.</summary>
    public const int MinimumLength = 16;

    private readonly string _path;
    private readonly Lock _lock = new();
    private DateTime _readAt = DateTime.MinValue;
    private byte[] _hash = [];

    /// <summary>Creates the secret for <paramref name="path"/>; the file is read on first use.</summary>
    public WebhookSecret(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _path = path;
    }

    /// <summary>Whether <paramref name="presented"/> is the secret. False when the file cannot be read or is too short.</summary>
    public bool Matches(string? presented) => Check(presented) is null;

    /// <summary>
    /// Null when <paramref name="presented"/> is the secret, otherwise why not: nothing presented
    /// (<see cref="WebhookRefusal.CredentialsMissing"/>), our own file unreadable or too short
    /// (<see cref="WebhookRefusal.SecretUnavailable"/>: every caller is refused, the fault is ours), or another value
    /// (<see cref="WebhookRefusal.CredentialsWrong"/>). Which one it is depends on our file and on whether anything was
    /// presented, never on how close the value came.
    /// </summary>
    public WebhookRefusal? Check(string? presented)
    {
        if (string.IsNullOrEmpty(presented))
        {
            return WebhookRefusal.CredentialsMissing;
        }

        var expected = CurrentHash();
        if (expected.Length == 0)
        {
            return WebhookRefusal.SecretUnavailable;
        }

        Span<byte> actual = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), actual);
        return CryptographicOperations.FixedTimeEquals(actual, expected) ? null : WebhookRefusal.CredentialsWrong;
    }

    /// <summary>The secret in a file: its content without a trailing line break.</summary>
    public static string ReadSecret(string path) => File.ReadAllText(path).TrimEnd('\r', '\n');

    private byte[] CurrentHash()
    {
        lock (_lock)
        {
            try
            {
                var written = File.GetLastWriteTimeUtc(_path);
                if (written != _readAt)
                {
                    var secret = ReadSecret(_path);
                    _hash = secret.Length >= MinimumLength ? SHA256.HashData(Encoding.UTF8.GetBytes(secret)) : [];
                    _readAt = written;
                }
            }
            catch (IOException)
            {
                // The Secret is being swapped (kubelet's atomic symlink flip): keep the last one read.
            }

            return _hash;
        }
    }
}
