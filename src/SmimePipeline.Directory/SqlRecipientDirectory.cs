using System.Collections.Concurrent;
using System.Data.Common;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Cryptography.Certificates;

namespace SmimePipeline.CertificateDirectory;

/// <summary>
/// The SQL both directory implementations share: two tables (<c>certificates</c>, <c>crls</c>) under a table
/// prefix, portable SQL (<c>INSERT … ON CONFLICT DO UPDATE</c> works in SQLite 3.24+ and PostgreSQL 9.5+),
/// times as Unix milliseconds. Lookups are cached for <see cref="CacheLifetime"/>; this process's own
/// writes clear the cache at once, other processes' writes are seen within the lifetime. Every failure of the database
/// leaves as <see cref="DirectoryUnavailableException"/>, naming the directory (<see cref="DirectoryName"/>) and saying whether it
/// is transient (<see cref="IsTransient"/>), so that the signer waits for an outage instead of dead-lettering mail.
/// </summary>
public abstract class SqlRecipientDirectory : IRecipientDirectory
{
    private readonly ConcurrentDictionary<string, CacheEntry<IReadOnlyList<DirectoryEntry>>> _byAddress = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly Lock _schemaLock = new();
    private volatile CacheEntry<Authorities>? _authorities;
    private volatile bool _schemaReady;

    /// <summary>Creates the directory.</summary>
    /// <param name="tablePrefix">Prefix of the table names: lower-case letters, digits and underscores.</param>
    /// <param name="timeProvider">The clock for the cache and timestamps; default system.</param>
    /// <exception cref="ArgumentException">The prefix has other characters.</exception>
    protected SqlRecipientDirectory(string tablePrefix, TimeProvider? timeProvider)
    {
        ArgumentNullException.ThrowIfNull(tablePrefix);
        if (!tablePrefix.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
        {
            throw new ArgumentException($"The table prefix '{tablePrefix}' may hold only a-z, 0-9 and '_'.", nameof(tablePrefix));
        }

        Certificates = tablePrefix + "certificates";
        Crls = tablePrefix + "crls";
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>How long a lookup is served from memory. Default 30 seconds.</summary>
    public TimeSpan CacheLifetime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The certificates table.</summary>
    protected string Certificates { get; }

    /// <summary>The CRL table.</summary>
    protected string Crls { get; }

    /// <summary>The column type for binary data (<c>BLOB</c>, <c>BYTEA</c>).</summary>
    protected abstract string BinaryType { get; }

    /// <inheritdoc />
    public IReadOnlyList<string> Add(X509Certificate2 certificate, DirectoryEntryKind kind, byte[]? smimeCapabilities = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        // The file store's rule: a certificate the store cannot file is not in the directory either.
        IReadOnlyList<string> addresses = kind == DirectoryEntryKind.Recipient ? CertificateAddresses.GetFileable(certificate) : [""];
        Guard("add a certificate", () => Insert(certificate, kind, smimeCapabilities, addresses));
        ClearCache();
        return kind == DirectoryEntryKind.Recipient ? addresses : [];
    }

    private int Insert(X509Certificate2 certificate, DirectoryEntryKind kind, byte[]? smimeCapabilities, IReadOnlyList<string> addresses)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        foreach (var address in addresses)
        {
            using var command = Command(
                connection,
                $"""
                INSERT INTO {Certificates} (kind, address, thumbprint, subject, not_before, not_after, der, capabilities, added_at)
                VALUES (@kind, @address, @thumbprint, @subject, @not_before, @not_after, @der, @capabilities, @added_at)
                ON CONFLICT (kind, address, thumbprint) DO UPDATE
                SET capabilities = COALESCE(excluded.capabilities, {Certificates}.capabilities), added_at = excluded.added_at
                """,
                ("kind", kind.ToString().ToLowerInvariant()),
                ("address", address),
                ("thumbprint", Thumbprint(certificate)),
                ("subject", certificate.Subject),
                ("not_before", ToUnix(certificate.NotBefore)),
                ("not_after", ToUnix(certificate.NotAfter)),
                ("der", certificate.RawData),
                ("capabilities", smimeCapabilities),
                ("added_at", _time.GetUtcNow().ToUnixTimeMilliseconds()));
            command.Transaction = transaction;
            command.ExecuteNonQuery();
        }

        transaction.Commit();
        return addresses.Count;
    }

    /// <inheritdoc />
    public VerifiedRevocationList AddRevocationList(byte[] der)
    {
        ArgumentNullException.ThrowIfNull(der);
        // Verified against this directory's own anchors and intermediates, read fresh: a CA trusted a moment
        // ago by another process counts, and a forged CRL never reaches the table.
        ClearCache();
        var verified = RevocationListVerifier.Verify(der, this, _time.GetUtcNow());
        var crl = RevocationListVerifier.Parse(der);
        var issuer = new X500DistinguishedName(crl.IssuerDN.GetEncoded());
        Guard("add a CRL", () =>
        {
            using var connection = Open();
            using var command = Command(
                connection,
                $"""
                INSERT INTO {Crls} (crl_hash, issuer_hash, issuer, this_update, der)
                VALUES (@crl_hash, @issuer_hash, @issuer, @this_update, @der)
                ON CONFLICT (crl_hash) DO NOTHING
                """,
                ("crl_hash", verified.Sha256),
                ("issuer_hash", IssuerHash(issuer)),
                ("issuer", issuer.Name),
                ("this_update", verified.ThisUpdate.ToUnixTimeMilliseconds()),
                ("der", der));
            return command.ExecuteNonQuery();
        });
        ClearCache();
        return verified;
    }

    /// <inheritdoc />
    public int RemoveRevocationLists(string issuerOrSha256)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(issuerOrSha256);
        string value = issuerOrSha256.Trim();
        string hex = value.Replace(":", "", StringComparison.Ordinal).ToLowerInvariant();
        bool byHash = hex.Length == 64 && hex.All(char.IsAsciiHexDigitLower);
        string? issuerHash = null;
        if (!byHash)
        {
            // The name as 'import-crl' printed it, or any spelling that encodes to the same name.
            try
            {
                issuerHash = IssuerHash(new X500DistinguishedName(value));
            }
            catch (CryptographicException)
            {
                // Not a parsable distinguished name: only the printed form can match.
            }
        }

        int removed = Guard("remove CRLs", () =>
        {
            using var connection = Open();
            using var command = byHash
                ? Command(connection, $"DELETE FROM {Crls} WHERE crl_hash = @value", ("value", hex))
                : Command(connection, $"DELETE FROM {Crls} WHERE issuer = @issuer OR issuer_hash = @issuer_hash", ("issuer", value), ("issuer_hash", issuerHash ?? ""));
            return command.ExecuteNonQuery();
        });
        ClearCache();
        return removed;
    }

    /// <inheritdoc />
    public IReadOnlyList<DirectoryEntry> Find(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        string key = CertificateAddresses.Normalize(address);
        var now = _time.GetUtcNow();
        if (_byAddress.TryGetValue(key, out var cached) && cached.Expires > now)
        {
            return cached.Value;
        }

        var entries = Query("look up a recipient's certificates", $"WHERE kind = 'recipient' AND address = @address ORDER BY not_after DESC", ("address", key));
        if (_byAddress.Count > 100_000)
        {
            // Bounded memory for deployments that mail millions of distinct addresses.
            _byAddress.Clear();
        }

        _byAddress[key] = new CacheEntry<IReadOnlyList<DirectoryEntry>>(entries, now + CacheLifetime);
        return entries;
    }

    /// <inheritdoc />
    public byte[]? GetSmimeCapabilities(string address, string thumbprint) =>
        Find(address).FirstOrDefault(e => string.Equals(e.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase))?.SmimeCapabilities;

    /// <inheritdoc />
    public IReadOnlyList<DirectoryEntry> List() => Query("list the certificates", "ORDER BY kind, address, not_after DESC");

    /// <inheritdoc />
    public int Remove(string addressOrThumbprint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(addressOrThumbprint);
        int removed = Guard("remove certificates", () =>
        {
            using var connection = Open();
            using var command = addressOrThumbprint.Contains('@', StringComparison.Ordinal)
                ? Command(connection, $"DELETE FROM {Certificates} WHERE address = @value", ("value", CertificateAddresses.Normalize(addressOrThumbprint)))
                : Command(connection, $"DELETE FROM {Certificates} WHERE thumbprint = @value", ("value", addressOrThumbprint.Replace(":", "", StringComparison.Ordinal).ToLowerInvariant()));
            return command.ExecuteNonQuery();
        });
        ClearCache();
        return removed;
    }

    /// <inheritdoc />
    public IReadOnlyList<X509Certificate2> GetTrustAnchors() => GetAuthorities().Anchors;

    /// <inheritdoc />
    public IReadOnlyList<X509Certificate2> GetIntermediates() => GetAuthorities().Intermediates;

    /// <inheritdoc />
    public IReadOnlyList<byte[]> GetRevocationLists(X500DistinguishedName issuer)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        return GetAuthorities().Crls.TryGetValue(IssuerHash(issuer), out var crls) ? crls : [];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases connections held by the implementation.</summary>
    /// <param name="disposing">Whether called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>Creates the tables when they do not exist (else they are created by the first statement).</summary>
    protected void EnsureSchema() => Guard("create its tables", () => 0);

    /// <summary>
    /// The directory as messages name it: its kind and where it is (PostgreSQL's host, port and database; the SQLite
    /// file), never a password.
    /// </summary>
    protected abstract string DirectoryName { get; }

    /// <summary>Whether <paramref name="exception"/> passes by itself (see <see cref="DirectoryUnavailableException.IsTransient"/>).</summary>
    /// <param name="exception">The driver's exception.</param>
    /// <returns>True when trying again later can succeed.</returns>
    protected virtual bool IsTransient(DbException exception) => exception?.IsTransient ?? false;

    /// <summary>What the driver said about <paramref name="exception"/>, for the message; never a parameter's value.</summary>
    /// <param name="exception">The driver's exception.</param>
    /// <returns>The cause in words.</returns>
    protected virtual string Cause(DbException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.InnerException is { } inner ? $"{exception.Message} ({inner.Message})" : exception.Message;
    }

    private int CreateTables()
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        if (SchemaLockStatement is { } lockStatement)
        {
            using var lockCommand = Command(connection, lockStatement);
            lockCommand.Transaction = transaction;
            lockCommand.ExecuteNonQuery();
        }

        using var command = Command(
            connection,
            $"""
            CREATE TABLE IF NOT EXISTS {Certificates} (
                kind TEXT NOT NULL,
                address TEXT NOT NULL,
                thumbprint TEXT NOT NULL,
                subject TEXT NOT NULL,
                not_before BIGINT NOT NULL,
                not_after BIGINT NOT NULL,
                der {BinaryType} NOT NULL,
                capabilities {BinaryType} NULL,
                added_at BIGINT NOT NULL,
                PRIMARY KEY (kind, address, thumbprint));
            CREATE INDEX IF NOT EXISTS {Certificates}_address ON {Certificates} (address);
            CREATE TABLE IF NOT EXISTS {Crls} (
                crl_hash TEXT NOT NULL PRIMARY KEY,
                issuer_hash TEXT NOT NULL,
                issuer TEXT NOT NULL,
                this_update BIGINT NOT NULL,
                der {BinaryType} NOT NULL);
            """);
        command.Transaction = transaction;
        command.ExecuteNonQuery();
        transaction.Commit();
        return 0;
    }

    /// <summary>
    /// A statement that serialises schema creation between processes, run in the same transaction;
    /// <see langword="null"/> when the database needs none.
    /// </summary>
    protected virtual string? SchemaLockStatement => null;

    /// <summary>Opens a connection.</summary>
    /// <returns>An open connection.</returns>
    protected abstract DbConnection Open();

    private static string Thumbprint(X509Certificate2 certificate) => certificate.GetCertHashString(HashAlgorithmName.SHA256).ToLowerInvariant();

    private static string IssuerHash(X500DistinguishedName name) => Convert.ToHexStringLower(SHA256.HashData(name.RawData));

    private static long ToUnix(DateTime time) => new DateTimeOffset(time.ToUniversalTime(), TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static DbCommand Command(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            if (value is null)
            {
                parameter.DbType = System.Data.DbType.Binary;
            }

            command.Parameters.Add(parameter);
        }

        return command;
    }

    /// <summary>
    /// Runs <paramref name="body"/>, turning a failure of the database (also one of <see cref="Open"/>) into
    /// <see cref="DirectoryUnavailableException"/>.
    /// </summary>
    /// <remarks>
    /// Creates the tables first when that has not succeeded yet: a PostgreSQL directory constructed while its server was
    /// down (a signer resolves it when its first mail needs it) leaves them to the first statement, so that the outage
    /// fails that mail's look-up (which waits for it), not the construction of the consumer (where the exception reached
    /// MassTransit without this wrapper, as a bare <c>SocketException</c>).
    /// </remarks>
    private T Guard<T>(string what, Func<T> body)
    {
        try
        {
            if (!_schemaReady)
            {
                lock (_schemaLock)
                {
                    if (!_schemaReady)
                    {
                        CreateTables();
                        _schemaReady = true;
                    }
                }
            }

            return body();
        }
        catch (DbException e)
        {
            throw new DirectoryUnavailableException($"{DirectoryName}: could not {what}: {Cause(e)}", e, IsTransient(e));
        }
        catch (TimeoutException e)
        {
            throw new DirectoryUnavailableException($"{DirectoryName}: could not {what}: no answer in time ({e.Message})", e, isTransient: true);
        }
    }

    private List<DirectoryEntry> Query(string what, string where, params (string Name, object? Value)[] parameters) => Guard(what, () => Read(where, parameters));

    private List<DirectoryEntry> Read(string where, params (string Name, object? Value)[] parameters)
    {
        using var connection = Open();
        using var command = Command(connection, $"SELECT kind, address, thumbprint, subject, not_before, not_after, der, capabilities, added_at FROM {Certificates} {where}", parameters);
        using var reader = command.ExecuteReader();
        var entries = new List<DirectoryEntry>();
        while (reader.Read())
        {
            entries.Add(new DirectoryEntry(
                Enum.Parse<DirectoryEntryKind>(reader.GetString(0), ignoreCase: true),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                (byte[])reader.GetValue(6),
                reader.IsDBNull(7) ? null : (byte[])reader.GetValue(7),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8))));
        }

        return entries;
    }

    private Authorities GetAuthorities()
    {
        var now = _time.GetUtcNow();
        if (_authorities is { } cached && cached.Expires > now)
        {
            return cached.Value;
        }

        var entries = Query("read the trust anchors and intermediates", "WHERE kind <> 'recipient'");
        var crls = Guard("read the CRLs", ReadRevocationLists);

        var authorities = new Authorities(
            [.. entries.Where(e => e.Kind == DirectoryEntryKind.Anchor).Select(e => e.Certificate)],
            [.. entries.Where(e => e.Kind == DirectoryEntryKind.Intermediate).Select(e => e.Certificate)],
            crls.ToDictionary(p => p.Key, p => (IReadOnlyList<byte[]>)p.Value, StringComparer.Ordinal));
        _authorities = new CacheEntry<Authorities>(authorities, now + CacheLifetime);
        return authorities;
    }

    private Dictionary<string, List<byte[]>> ReadRevocationLists()
    {
        var crls = new Dictionary<string, List<byte[]>>(StringComparer.Ordinal);
        using var connection = Open();
        using var command = Command(connection, $"SELECT issuer_hash, der FROM {Crls} ORDER BY this_update DESC");
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            string issuer = reader.GetString(0);
            if (!crls.TryGetValue(issuer, out var list))
            {
                crls[issuer] = list = [];
            }

            list.Add((byte[])reader.GetValue(1));
        }

        return crls;
    }

    private void ClearCache()
    {
        _byAddress.Clear();
        _authorities = null;
    }

    private sealed record CacheEntry<T>(T Value, DateTimeOffset Expires);

    private sealed record Authorities(IReadOnlyList<X509Certificate2> Anchors, IReadOnlyList<X509Certificate2> Intermediates, IReadOnlyDictionary<string, IReadOnlyList<byte[]>> Crls);
}
