using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SmimePipeline.Messaging.ProducerClaims;
using SmimePipeline.Worker.ClaimCheck;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// The producer claim check of <c>smime bench guarantees --large-every N --postgres CONNSTRING</c> (issue 17, session 20):
/// a large mail's command goes to PostgreSQL as the product's producer sends it, and only a reference through the quorum
/// queue. What reaches the disk is the product's: the same <see cref="PostgresProtectClaimStore"/> (the same <c>INSERT</c> of
/// the claim's bytes — a 24-byte preamble and the large mail's binary <c>ProtectEmail</c> — into the same table, the same
/// <c>SELECT</c> of it by the consumer, the same consumed mark that releases the content), the same
/// <see cref="ProducerClaimVacuum"/> every <c>ProducerClaims:VacuumInterval</c> (2 s), and at the run's end the same delete
/// of the run's consumed claims as <c>bench pipeline</c>'s (<see cref="BenchClaimIds"/>).
/// </summary>
/// <remarks>
/// Left out, erring low (no disk work): the claim's bytes are written once before the run and stored for every large mail
/// (the product serialises each mail's command, ≈ 1.5 MB copied), their SHA-256 is computed once (the product computes it
/// per claim in the producer and again in the signer, ≈ 1 ms of CPU each for 1.5 MB), and the consumer neither checks the
/// digest nor deserialises the command; the reference is bare JSON (the product's travels in MassTransit's envelope, ≈ 1 KB
/// more). A refused or missing claim ends the run: a guarantees run has no failure path to measure.
/// </remarks>
internal sealed class GuaranteesProducerClaims : IAsyncDisposable
{
    /// <summary>The content type of a reference on the work queue (a large mail's command is in PostgreSQL).</summary>
    public const string ReferenceContentType = "application/vnd.smimepipeline.protect-claim+json";

    private readonly ILoggerFactory _logging = LoggerFactory.Create(BenchLogging.AddTo);

    // The vacuum counts its failed rounds (smime_background_failures_total); the bench exports no metrics, so a meter factory of its own.
    private readonly ServiceProvider _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly SmimeTelemetry _telemetry;
    private readonly PostgresProtectClaimStore _store;
    private readonly ProducerClaimVacuum _vacuum;
    private readonly BenchClaimIds _ids = new();
    private readonly string _connectionString;
    private readonly byte[] _content;
    private readonly byte[] _sha256;

    private GuaranteesProducerClaims(string connectionString, byte[] content)
    {
        _connectionString = connectionString;
        _content = content;
        _sha256 = System.Security.Cryptography.SHA256.HashData(content);
        _store = new PostgresProtectClaimStore(connectionString);
        _telemetry = new SmimeTelemetry(_metrics.GetRequiredService<IMeterFactory>());
        _vacuum = new ProducerClaimVacuum(_store, Options.Create(new ProducerClaimOptions()), TimeProvider.System, _telemetry, _logging.CreateLogger<ProducerClaimVacuum>());
    }

    /// <summary>The bytes each large mail stores in PostgreSQL (the claim: preamble and binary command).</summary>
    public int ContentBytes => _content.Length;

    /// <summary>The claims stored so far (warm-up included), for the run-end delete.</summary>
    public BenchClaimIds Ids => _ids;

    /// <summary>The server's connection string (holds its password: never printed).</summary>
    public string ConnectionString => _connectionString;

    /// <summary>Connects, creates the claim table when missing (as the signers do at start) and starts the vacuum.</summary>
    /// <param name="connectionString">The PostgreSQL server (Npgsql syntax); the role must own the table for the vacuum to run.</param>
    /// <param name="content">The claim's bytes (<see cref="ProtectClaimContent.Write(Contracts.ProtectEmail)"/> of the large mail).</param>
    /// <param name="cancellationToken">Stops the start.</param>
    /// <exception cref="Commands.CliException">PostgreSQL is unreachable or refused the table.</exception>
    public static async Task<GuaranteesProducerClaims> StartAsync(string connectionString, byte[] content, CancellationToken cancellationToken)
    {
        var claims = new GuaranteesProducerClaims(connectionString, content);
        try
        {
            await claims._store.EnsureSchemaAsync(cancellationToken);
            if (claims._store.MayVacuum is not true)
            {
                // The product's signers own the table they created; without the vacuum the table grows by every claim and
                // PostgreSQL writes each page 2-3 times (session 16): not the product's disk work.
                throw new Commands.CliException($"--postgres: this role may not VACUUM {PostgresProtectClaimStore.Table} (not its owner), as the product's signers do every 2 s; use the table owner's connection string.");
            }

            await claims._vacuum.StartAsync(cancellationToken);
            return claims;
        }
        catch (ProtectClaimStoreException e)
        {
            await claims.DisposeAsync();
            throw new Commands.CliException($"--postgres: {e.Message}");
        }
        catch
        {
            await claims.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stores a large mail's claim (committed when this returns) and returns the reference that travels instead, as JSON.</summary>
    public async Task<byte[]> CheckInAsync(Guid mailId, CancellationToken cancellationToken)
    {
        var id = ProtectClaimId.NewId();
        await _store.PutAsync(id, _content, _sha256, DateTimeOffset.UtcNow, cancellationToken);
        _ids.Add(id);
        return JsonSerializer.SerializeToUtf8Bytes(
            new ProtectCommandClaim { MailId = mailId, ClaimAddress = id.Address, Length = _content.Length, Sha256 = Convert.ToHexStringLower(_sha256) },
            BenchJsonContext.Default.ProtectCommandClaim);
    }

    /// <summary>Reads the claim <paramref name="reference"/> names, as the signer does, up to the length the reference gives.</summary>
    /// <exception cref="InvalidOperationException">The reference is malformed, or the claim is missing or of another length.</exception>
    public async Task<ProtectClaimId> CheckOutAsync(ReadOnlyMemory<byte> reference, CancellationToken cancellationToken)
    {
        var claim = JsonSerializer.Deserialize(reference.Span, BenchJsonContext.Default.ProtectCommandClaim)
            ?? throw new InvalidOperationException("A claim reference on the work queue is empty.");
        if (!ProtectClaimId.TryParse(claim.ClaimAddress, out var id, out var problem))
        {
            throw new InvalidOperationException(problem);
        }

        var stored = await _store.LoadAsync(id, claim.Length, cancellationToken);
        if (stored?.Content is not { } content || content.LongLength != claim.Length)
        {
            throw new InvalidOperationException($"Claim {id} is missing or not {claim.Length} bytes long.");
        }

        return id;
    }

    /// <summary>Marks claim <paramref name="id"/> consumed and releases its content, as the signer does once the mail is handed on.</summary>
    public Task ReleaseAsync(ProtectClaimId id, CancellationToken cancellationToken) => _store.MarkConsumedAsync(id, DateTimeOffset.UtcNow, cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _vacuum.StopAsync(CancellationToken.None);
        _vacuum.Dispose();
        await _store.DisposeAsync();
        _telemetry.Dispose();
        await _metrics.DisposeAsync();
        _logging.Dispose();
    }
}
