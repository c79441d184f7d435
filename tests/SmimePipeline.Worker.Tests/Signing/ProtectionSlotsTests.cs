using Microsoft.Extensions.Options;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Signing;

namespace SmimePipeline.Worker.Tests.Signing;

public sealed class ProtectionSlotsTests
{
    private static ProtectionSlots Create(int concurrency) =>
        new(Options.Create(new SmimePipelineOptions { Signer = { Concurrency = concurrency } }));

    [Fact]
    public async Task A_mail_waits_for_a_slot_while_all_are_taken_and_gets_the_one_given_back()
    {
        using var slots = Create(2);
        using var first = await slots.EnterAsync(CancellationToken.None);
        var second = await slots.EnterAsync(CancellationToken.None);

        var third = slots.EnterAsync(CancellationToken.None);
        Assert.False(third.IsCompleted);
        Assert.Equal(0, slots.Free);

        second.Dispose();
        using var granted = await third.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, slots.Free);
    }

    [Fact]
    public async Task Giving_a_slot_back_twice_frees_it_once()
    {
        using var slots = Create(1);
        var slot = await slots.EnterAsync(CancellationToken.None);

        slot.Dispose();
        slot.Dispose();

        Assert.Equal(1, slots.Free);
    }

    [Fact]
    public async Task A_waiting_mail_stops_waiting_when_its_consume_is_cancelled()
    {
        using var slots = Create(1);
        using var taken = await slots.EnterAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        var waiting = slots.EnterAsync(cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(0, slots.Free);
    }

    [Fact]
    public void One_slot_per_core_by_default()
    {
        using var slots = Create(0);

        Assert.Equal(Environment.ProcessorCount, slots.Count);
        Assert.Equal(Environment.ProcessorCount, slots.Free);
    }
}
