using System.Collections.Concurrent;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace SmimePipeline.Cryptography.Pkcs11;

/// <summary>
/// One token of a <see cref="Pkcs11Module"/>, shared by every key in it: a pool of at most
/// <see cref="MaxSessions"/> read-only sessions used by the signer threads (a PKCS#11 session serves one
/// operation at a time), one user login (login state belongs to the application, not the session), and
/// reconnection. When the module reports that a session, the login or the token itself is gone
/// (<c>CKR_SESSION_HANDLE_INVALID</c>, <c>CKR_DEVICE_REMOVED</c>, <c>CKR_TOKEN_NOT_PRESENT</c>, …), every pooled session
/// is dropped, the slot is looked up again, a new session logs in, and the operation is tried once more; if that
/// fails too, <see cref="Pkcs11UnavailableException"/> tells the caller to retry later, and <see cref="State"/> says
/// <see cref="Pkcs11TokenState.Unavailable"/> until a later use succeeds. A PIN the token refused is never tried
/// again (tokens lock the user after a few wrong PINs); a changed PIN file is. Thread-safe.
/// </summary>
public sealed class Pkcs11Token : IDisposable
{
    private readonly Func<byte[]> _pin;
    private readonly ConcurrentBag<PooledSession> _idle = [];
    private readonly SemaphoreSlim _sessions;
    private readonly Lock _connectLock = new();
    private readonly ConcurrentDictionary<string, IObjectHandle> _handles = new(StringComparer.Ordinal);
    private ISlot? _slot;
    private int _generation;
    private byte[]? _refusedPinHash;
    private volatile string? _lastError;
    private volatile bool _disposed;
    private long _unavailableSinceTicks;
    private volatile Pkcs11TokenState _state = Pkcs11TokenState.NotConnected;

    /// <summary>Creates the token handle; nothing is opened until first use.</summary>
    /// <param name="module">The module.</param>
    /// <param name="selector">The token attributes of this URI (token, serial, manufacturer, model, slot-id) select the token.</param>
    /// <param name="pin">Returns the user PIN (read on each login, so a rotated PIN file is picked up); the array is zeroed after use.</param>
    /// <param name="maxSessions">Sessions open at once (default: two per processor).</param>
    public Pkcs11Token(Pkcs11Module module, Pkcs11Uri selector, Func<byte[]> pin, int maxSessions = 0)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(selector);
        ArgumentNullException.ThrowIfNull(pin);
        Module = module;
        Selector = selector;
        _pin = pin;
        MaxSessions = maxSessions > 0 ? maxSessions : 2 * Environment.ProcessorCount;
        _sessions = new SemaphoreSlim(MaxSessions, MaxSessions);
        Name = selector.Token ?? selector.Serial ?? (selector.SlotId is { } slot ? "slot " + slot : "the first token");
    }

    /// <summary>The module.</summary>
    public Pkcs11Module Module { get; }

    /// <summary>The URI whose token attributes select this token.</summary>
    public Pkcs11Uri Selector { get; }

    /// <summary>The token's name for messages: its label, serial or slot.</summary>
    public string Name { get; }

    /// <summary>Sessions open at once, at most.</summary>
    public int MaxSessions { get; }

    /// <summary>How long a signer thread waits for a free session before it gives up. Default 30 s.</summary>
    public TimeSpan SessionWaitTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether the token can sign, as of the last use.</summary>
    public Pkcs11TokenState State => _state;

    /// <summary>Why the token is unavailable (module, token, return code; never a PIN), or <see langword="null"/>.</summary>
    public string? LastError => _lastError;

    /// <summary>Since when the token is unavailable, or <see langword="null"/>.</summary>
    public DateTimeOffset? UnavailableSince
    {
        get
        {
            long ticks = Interlocked.Read(ref _unavailableSinceTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>Opens (or re-opens) a session and logs in, to learn whether the token is usable now.</summary>
    /// <returns><see langword="true"/> when the token answered.</returns>
    public bool Probe()
    {
        try
        {
            Run("C_GetSessionInfo", (session, _) => session.GetSessionInfo().State);
            return true;
        }
        catch (Pkcs11UnavailableException)
        {
            return false;
        }
    }

    /// <summary>Closes this token's sessions (not other users' sessions of the same module).</summary>
    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var pooled))
        {
            Close(pooled.Session);
        }

        _sessions.Dispose();
    }

    /// <summary>
    /// Runs <paramref name="operation"/> on a pooled, logged-in session. On a lost session, login or token the
    /// token is reconnected and the operation tried once more.
    /// </summary>
    /// <exception cref="Pkcs11UnavailableException">The token stays unavailable, or no session was free within <see cref="SessionWaitTimeout"/>.</exception>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The token refused the operation itself (e.g. mechanism not supported): not a connection problem.</exception>
    internal T Run<T>(string what, Func<ISession, Func<ISession, Pkcs11Uri, IObjectHandle>, T> operation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_sessions.Wait(SessionWaitTimeout))
        {
            throw new Pkcs11UnavailableException($"No PKCS#11 session of token '{Name}' ({Module.Path}) became free within {SessionWaitTimeout.TotalSeconds:0} s ({MaxSessions} sessions, all busy).");
        }

        try
        {
            for (int attempt = 0; ; attempt++)
            {
                PooledSession? pooled = null;
                try
                {
                    pooled = Rent();
                    var generation = pooled.Generation;
                    T result = operation(pooled.Session, (session, uri) => FindPrivateKey(session, uri, generation));
                    Return(pooled);
                    MarkAvailable();
                    return result;
                }
                catch (Pkcs11Exception e) when (IsConnectionLoss(e.RV))
                {
                    Invalidate(pooled?.Generation ?? Volatile.Read(ref _generation), pooled);
                    string message = $"The PKCS#11 token '{Name}' ({Module.Path}) failed in {what} with {e.RV}.";
                    MarkUnavailable(message);
                    if (attempt >= 1)
                    {
                        throw new Pkcs11UnavailableException(message + " It will be reconnected; the mail is retried.", e);
                    }
                }
                catch (Pkcs11Exception e)
                {
                    // The token answered and refused this operation (mechanism, parameters, key usage): not an outage.
                    if (pooled is not null)
                    {
                        Return(pooled);
                    }

                    throw new System.Security.Cryptography.CryptographicException($"The PKCS#11 token '{Name}' ({Module.Path}) refused {what} ({e.RV}).", e);
                }
                catch (Pkcs11UnavailableException e)
                {
                    if (pooled is not null)
                    {
                        Invalidate(pooled.Generation, pooled);
                    }

                    MarkUnavailable(e.Message);
                    throw;
                }
                catch
                {
                    if (pooled is not null)
                    {
                        Return(pooled);
                    }

                    throw;
                }
            }
        }
        finally
        {
            _sessions.Release();
        }
    }

    private static bool IsConnectionLoss(CKR rv) => rv is CKR.CKR_SESSION_HANDLE_INVALID or CKR.CKR_SESSION_CLOSED
        or CKR.CKR_DEVICE_REMOVED or CKR.CKR_DEVICE_ERROR or CKR.CKR_DEVICE_MEMORY or CKR.CKR_TOKEN_NOT_PRESENT
        or CKR.CKR_TOKEN_NOT_RECOGNIZED or CKR.CKR_USER_NOT_LOGGED_IN or CKR.CKR_CRYPTOKI_NOT_INITIALIZED
        or CKR.CKR_GENERAL_ERROR or CKR.CKR_FUNCTION_FAILED or CKR.CKR_KEY_HANDLE_INVALID or CKR.CKR_OBJECT_HANDLE_INVALID
        or CKR.CKR_SLOT_ID_INVALID or CKR.CKR_SESSION_COUNT;

    private PooledSession Rent()
    {
        int generation = Volatile.Read(ref _generation);
        while (_idle.TryTake(out var pooled))
        {
            if (pooled.Generation == generation)
            {
                return pooled;
            }

            Close(pooled.Session);
        }

        return Open(generation);
    }

    private void Return(PooledSession pooled)
    {
        if (pooled.Generation == Volatile.Read(ref _generation) && !_disposed)
        {
            _idle.Add(pooled);
        }
        else
        {
            Close(pooled.Session);
        }
    }

    private PooledSession Open(int generation)
    {
        lock (_connectLock)
        {
            var slot = _slot ??= FindSlot();
            ISession session;
            try
            {
                session = slot.OpenSession(SessionType.ReadOnly);
            }
            catch (Pkcs11Exception e) when (IsConnectionLoss(e.RV))
            {
                _slot = null;
                throw new Pkcs11UnavailableException($"The PKCS#11 token '{Name}' ({Module.Path}) refused a session ({e.RV}).", e);
            }

            Login(session);
            return new PooledSession(session, generation);
        }
    }

    private void Login(ISession session)
    {
        // The login belongs to the application: once one session is logged in, all are, and C_Login answers
        // CKR_USER_ALREADY_LOGGED_IN. A PIN that the token refused is not offered again.
        if (session.GetSessionInfo().State is CKS.CKS_RO_USER_FUNCTIONS or CKS.CKS_RW_USER_FUNCTIONS)
        {
            return;
        }

        byte[] pin;
        try
        {
            pin = _pin();
        }
        catch (Exception e)
        {
            Close(session);
            if (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                throw new Pkcs11UnavailableException($"The PIN of PKCS#11 token '{Name}' cannot be read: {e.Message}", e);
            }

            throw;
        }

        byte[] pinHash = System.Security.Cryptography.SHA256.HashData(pin);
        try
        {
            if (_refusedPinHash is not null && _refusedPinHash.AsSpan().SequenceEqual(pinHash))
            {
                throw new Pkcs11UnavailableException($"The PKCS#11 token '{Name}' ({Module.Path}) refused this PIN before; it is not tried again until the PIN changes (a token locks its user after a few wrong PINs).");
            }

            session.Login(CKU.CKU_USER, pin);
            _refusedPinHash = null;
        }
        catch (Pkcs11Exception e) when (e.RV == CKR.CKR_USER_ALREADY_LOGGED_IN)
        {
            // Another session logged in first.
        }
        catch (Pkcs11Exception e) when (e.RV is CKR.CKR_PIN_INCORRECT or CKR.CKR_PIN_INVALID or CKR.CKR_PIN_LEN_RANGE or CKR.CKR_PIN_LOCKED or CKR.CKR_PIN_EXPIRED)
        {
            _refusedPinHash = pinHash;
            Close(session);
            throw new Pkcs11UnavailableException($"The PKCS#11 token '{Name}' ({Module.Path}) refused the user PIN ({e.RV}).", e);
        }
        catch (Pkcs11Exception e)
        {
            Close(session);
            throw new Pkcs11UnavailableException($"The PKCS#11 token '{Name}' ({Module.Path}) refused the login ({e.RV}).", e);
        }
        catch
        {
            Close(session);
            throw;
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(pin);
        }
    }

    private ISlot FindSlot()
    {
        List<ISlot> slots;
        try
        {
            slots = Module.Library.GetSlotList(SlotsType.WithTokenPresent);
        }
        catch (Pkcs11Exception e)
        {
            throw new Pkcs11UnavailableException($"The PKCS#11 module {Module.Path} cannot list its slots ({e.RV}).", e);
        }

        foreach (var slot in slots)
        {
            if (Selector.SlotId is { } id && slot.SlotId != id)
            {
                continue;
            }

            ITokenInfo info;
            try
            {
                info = slot.GetTokenInfo();
            }
            catch (Pkcs11Exception)
            {
                continue; // A slot whose token went away while we listed: not ours.
            }

            if (Matches(Selector.Token, info.Label) && Matches(Selector.Serial, info.SerialNumber)
                && Matches(Selector.Manufacturer, info.ManufacturerId) && Matches(Selector.Model, info.Model))
            {
                return slot;
            }
        }

        throw new Pkcs11UnavailableException($"The PKCS#11 module {Module.Path} has no token '{Name}' present ({slots.Count} tokens present).");
    }

    private static bool Matches(string? wanted, string? actual) =>
        wanted is null || string.Equals(wanted, actual?.TrimEnd(' ', '\0'), StringComparison.Ordinal);

    private IObjectHandle FindPrivateKey(ISession session, Pkcs11Uri uri, int generation)
    {
        // Object handles belong to the application, so one lookup serves every session, until a reconnect.
        string cacheKey = generation + "|" + uri;
        if (_handles.TryGetValue(cacheKey, out var handle))
        {
            return handle;
        }

        var handles = Pkcs11Objects.Find(session, uri, CKO.CKO_PRIVATE_KEY);
        if (handles.Count != 1)
        {
            throw new Pkcs11KeyNotFoundException(handles.Count == 0
                ? $"The PKCS#11 token '{Name}' holds no private key {uri.ObjectLabel ?? ""} matching {uri} (or the user PIN does not unlock it)."
                : $"The PKCS#11 token '{Name}' holds {handles.Count} private keys matching {uri}; name one by 'id'.");
        }

        _handles[cacheKey] = handles[0];
        return handles[0];
    }

    private void Invalidate(int generation, PooledSession? failed)
    {
        lock (_connectLock)
        {
            if (failed is not null)
            {
                Close(failed.Session);
            }

            if (Volatile.Read(ref _generation) != generation)
            {
                return; // Another thread already reconnected.
            }

            Interlocked.Increment(ref _generation);
            _slot = null;
            _handles.Clear();
            while (_idle.TryTake(out var pooled))
            {
                Close(pooled.Session);
            }
        }
    }

    private void MarkAvailable()
    {
        if (_state != Pkcs11TokenState.Available)
        {
            _state = Pkcs11TokenState.Available;
            _lastError = null;
            Interlocked.Exchange(ref _unavailableSinceTicks, 0);
        }
    }

    private void MarkUnavailable(string error)
    {
        _lastError = error;
        Interlocked.CompareExchange(ref _unavailableSinceTicks, DateTimeOffset.UtcNow.UtcTicks, 0);
        _state = Pkcs11TokenState.Unavailable;
    }

    private static void Close(ISession session)
    {
        try
        {
            session.CloseSession();
        }
        catch (Pkcs11Exception)
        {
            // The session is already gone (that is usually why it is closed): nothing to release.
        }
    }

    private sealed record PooledSession(ISession Session, int Generation);
}
