using System.Security.Cryptography;
using Npgsql;
using SmimePipeline.Messaging.ProducerClaims;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.ClaimCheck;

/// <summary>
/// A consumed producer claim's content is released in PostgreSQL (issue 17, session 12) — real PostgreSQL, each test in
/// a schema of its own (<c>Search Path</c>), so that it can change grants without touching the other tests' table: the
/// consumed claim keeps its preamble and digest and no TOAST chunks, the others read back byte for byte; a table
/// whose signers' role has only <c>UPDATE (consumed)</c> (the grants before session 12) keeps working as it did; and the
/// owning signer vacuums the table after releases only (session 16), touching no claim.
/// </summary>
public sealed class ProducerClaimReleaseTests : IAsyncLifetime
{
    private const int ContentBytes = 1_500_000;
    private readonly string _schema = "claims_" + Guid.NewGuid().ToString("N")[..12];

    private string Connection => TestServices.PostgresConnectionString + ";Search Path=" + _schema;

    public async Task InitializeAsync() => await ExecuteAsync($"CREATE SCHEMA {_schema}");

    public async Task DisposeAsync() => await ExecuteAsync($"DROP SCHEMA {_schema} CASCADE");

    [Fact]
    public async Task A_consumed_claim_keeps_only_its_preamble_and_digest_and_the_others_read_back_byte_for_byte()
    {
        await using var store = new PostgresProtectClaimStore(Connection, 2);
        await store.EnsureSchemaAsync(CancellationToken.None);
        Assert.True(store.ReleasesContent);
        var (consumedId, consumedContent) = await PutAsync(store);
        var (keptId, keptContent) = await PutAsync(store);

        await store.MarkConsumedAsync(consumedId, DateTimeOffset.UtcNow, CancellationToken.None);

        var consumed = await store.LoadAsync(consumedId, long.MaxValue, CancellationToken.None);
        Assert.NotNull(consumed);
        Assert.NotNull(consumed.Consumed);
        Assert.Equal(ProtectClaimContent.FixedPreambleBytes, consumed.Length);
        Assert.Equal(consumedContent.AsSpan(0, ProtectClaimContent.FixedPreambleBytes).ToArray(), consumed.Content);
        Assert.Equal(SHA256.HashData(consumedContent), consumed.Sha256);
        // The value is inline now: its TOAST chunks were deleted with the old row version.
        Assert.True(await ScalarAsync($"SELECT pg_column_size(content) FROM {_schema}.{PostgresProtectClaimStore.Table} WHERE id = '{consumedId.Value}'") <= 64);
        var kept = await store.LoadAsync(keptId, long.MaxValue, CancellationToken.None);
        Assert.NotNull(kept);
        Assert.Null(kept.Consumed);
        Assert.Equal(keptContent, kept.Content);

        // A second mark changes nothing (the first stays).
        await store.MarkConsumedAsync(consumedId, DateTimeOffset.UtcNow.AddMinutes(5), CancellationToken.None);
        Assert.Equal(consumed.Consumed, (await store.LoadAsync(consumedId, long.MaxValue, CancellationToken.None))?.Consumed);
    }

    [Fact]
    public async Task A_role_with_update_on_consumed_only_keeps_the_content_as_before_and_is_told_at_start()
    {
        await using (var creator = new PostgresProtectClaimStore(Connection, 1))
        {
            await creator.EnsureSchemaAsync(CancellationToken.None);
        }

        // The grants the README gave before session 12: UPDATE (consumed) only (the owner revokes its own here).
        await ExecuteAsync($"REVOKE UPDATE ON {_schema}.{PostgresProtectClaimStore.Table} FROM CURRENT_USER; GRANT UPDATE (consumed) ON {_schema}.{PostgresProtectClaimStore.Table} TO CURRENT_USER");

        await using var signer = new PostgresProtectClaimStore(Connection, 1);
        await signer.EnsureSchemaAsync(CancellationToken.None);
        Assert.False(signer.ReleasesContent);
        var (id, content) = await PutAsync(signer);
        await signer.MarkConsumedAsync(id, DateTimeOffset.UtcNow, CancellationToken.None);
        var stored = await signer.LoadAsync(id, long.MaxValue, CancellationToken.None);
        Assert.NotNull(stored?.Consumed);
        Assert.Equal(content, stored.Content);

        // A store that never ran the start's check meets the refusal on its first mark and falls back to it.
        await using var fresh = new PostgresProtectClaimStore(Connection, 1);
        Assert.True(fresh.ReleasesContent);
        var (other, otherContent) = await PutAsync(fresh);
        await fresh.MarkConsumedAsync(other, DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.False(fresh.ReleasesContent);
        var otherStored = await fresh.LoadAsync(other, long.MaxValue, CancellationToken.None);
        Assert.NotNull(otherStored?.Consumed);
        Assert.Equal(otherContent, otherStored.Content);
    }

    [Fact]
    public async Task Released_space_is_vacuumed_by_the_owning_signer_only_after_a_release_and_no_claim_is_touched()
    {
        await using var store = new PostgresProtectClaimStore(Connection, 2);
        await store.EnsureSchemaAsync(CancellationToken.None);
        Assert.True(store.MayVacuum); // the role created the table: it owns it
        var (consumedId, consumedContent) = await PutAsync(store);
        var (keptId, keptContent) = await PutAsync(store);

        // Nothing released yet: no VACUUM.
        Assert.False(await store.ReclaimReleasedSpaceAsync(CancellationToken.None));
        var vacuumsBefore = await ScalarAsync(VacuumCountSql);

        await store.MarkConsumedAsync(consumedId, DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.True(await store.ReclaimReleasedSpaceAsync(CancellationToken.None));
        Assert.Equal(vacuumsBefore + 1, await ScalarAsync(VacuumCountSql));
        // Once per release: a second call finds nothing new.
        Assert.False(await store.ReclaimReleasedSpaceAsync(CancellationToken.None));

        // Repeated marks of an already consumed claim release nothing, so they ask for no VACUUM either.
        await store.MarkConsumedAsync(consumedId, DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.False(await store.ReclaimReleasedSpaceAsync(CancellationToken.None));

        var kept = await store.LoadAsync(keptId, long.MaxValue, CancellationToken.None);
        Assert.Null(kept?.Consumed);
        Assert.Equal(keptContent, kept?.Content);
        var consumed = await store.LoadAsync(consumedId, long.MaxValue, CancellationToken.None);
        Assert.NotNull(consumed?.Consumed);
        Assert.Equal(consumedContent.AsSpan(0, ProtectClaimContent.FixedPreambleBytes).ToArray(), consumed.Content);
        Assert.Equal(SHA256.HashData(consumedContent), consumed.Sha256);

        // Several rounds on one pooled connection (the statement is prepared automatically after a few uses): each works.
        for (var i = 0; i < 6; i++)
        {
            var (id, _) = await PutAsync(store);
            await store.MarkConsumedAsync(id, DateTimeOffset.UtcNow, CancellationToken.None);
            Assert.True(await store.ReclaimReleasedSpaceAsync(CancellationToken.None));
        }

        Assert.Equal(vacuumsBefore + 7, await ScalarAsync(VacuumCountSql));
        Assert.Equal(keptContent, (await store.LoadAsync(keptId, long.MaxValue, CancellationToken.None))?.Content);
    }

    // Manual VACUUMs of this test's claim table (its TOAST table is vacuumed with it).
    private string VacuumCountSql =>
        $"SELECT vacuum_count FROM pg_stat_all_tables WHERE schemaname = '{_schema}' AND relname = '{PostgresProtectClaimStore.Table}'";

    private static async Task<(ProtectClaimId Id, byte[] Content)> PutAsync(PostgresProtectClaimStore store)
    {
        var content = RandomNumberGenerator.GetBytes(ContentBytes);
        var id = ProtectClaimId.NewId();
        await store.PutAsync(id, content, SHA256.HashData(content), DateTimeOffset.UtcNow, CancellationToken.None);
        return (id, content);
    }

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(TestServices.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(TestServices.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
