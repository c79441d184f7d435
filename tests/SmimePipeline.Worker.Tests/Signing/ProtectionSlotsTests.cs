using Microsoft.Extensions.Options;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Signing;

namespace SmimePipeline.Worker.Tests.Signing;

public sealed class ProtectionSlotsTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    private static ProtectionSlots Create(int concurrency, int largeMailSlots = 0) =>
        new(Options.Create(new SmimePipelineOptions { Signer = { Concurrency = concurrency, LargeMailSlots = largeMailSlots } }));

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

    [Fact]
    public async Task A_small_mail_waiting_for_a_slot_is_served_before_a_large_one_that_waited_earlier()
    {
        using var slots = Create(2, largeMailSlots: 2);
        var first = await slots.EnterAsync(large: false, CancellationToken.None);
        var second = await slots.EnterAsync(large: false, CancellationToken.None);

        var large = slots.EnterAsync(large: true, CancellationToken.None);
        var small = slots.EnterAsync(large: false, CancellationToken.None);
        Assert.False(large.IsCompleted);
        Assert.False(small.IsCompleted);

        first.Dispose();
        using var smallSlot = await small.WaitAsync(Generous);
        Assert.False(large.IsCompleted);

        second.Dispose();
        using var largeSlot = await large.WaitAsync(Generous);
        Assert.Equal(1, slots.LargeHeld);
    }

    [Fact]
    public async Task Among_mails_of_one_size_the_one_that_waited_longest_goes_first()
    {
        using var slots = Create(1);
        var held = await slots.EnterAsync(large: false, CancellationToken.None);
        var earlier = slots.EnterAsync(large: false, CancellationToken.None);
        var later = slots.EnterAsync(large: false, CancellationToken.None);

        held.Dispose();
        var granted = await earlier.WaitAsync(Generous);
        Assert.False(later.IsCompleted);
        granted.Dispose();
        (await later.WaitAsync(Generous)).Dispose();
    }

    [Fact]
    public async Task Large_mails_never_hold_every_slot_so_a_small_mail_finds_one_at_once()
    {
        using var slots = Create(3);
        Assert.Equal(2, slots.LargeLimit);
        using var large1 = await slots.EnterAsync(large: true, CancellationToken.None);
        using var large2 = await slots.EnterAsync(large: true, CancellationToken.None);

        var large3 = slots.EnterAsync(large: true, CancellationToken.None);
        Assert.False(large3.IsCompleted);
        Assert.Equal(1, slots.Free);
        Assert.Equal(2, slots.LargeHeld);

        var small = slots.EnterAsync(large: false, CancellationToken.None);
        Assert.True(small.IsCompletedSuccessfully);
        (await small).Dispose();

        // A slot given back by a small mail does not let the third large one in while two large ones hold theirs.
        Assert.False(large3.IsCompleted);
        large1.Dispose();
        using var granted = await large3.WaitAsync(Generous);
        Assert.Equal(2, slots.LargeHeld);
    }

    [Theory]
    [InlineData(1, 0, 1)]
    [InlineData(2, 0, 1)]
    [InlineData(4, 0, 3)]
    [InlineData(4, 2, 2)]
    [InlineData(2, 5, 2)]
    public void Large_mails_may_hold_all_slots_but_one_by_default_and_at_least_one(int concurrency, int configured, int expected)
    {
        using var slots = Create(concurrency, configured);

        Assert.Equal(expected, slots.LargeLimit);
    }

    [Fact]
    public async Task A_large_mail_cancelled_while_waiting_holds_no_slot_and_the_next_one_gets_it()
    {
        using var slots = Create(2);
        var small = await slots.EnterAsync(large: false, CancellationToken.None);
        var large = await slots.EnterAsync(large: true, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = slots.EnterAsync(large: true, cancel.Token);
        var next = slots.EnterAsync(large: true, CancellationToken.None);

        await cancel.CancelAsync();
        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(cancel.Token, thrown.CancellationToken);

        large.Dispose();
        using var granted = await next.WaitAsync(Generous);
        small.Dispose();
        Assert.Equal(1, slots.Free);
        Assert.Equal(1, slots.LargeHeld);
    }

    [Fact]
    public async Task Many_mails_of_both_sizes_at_once_never_exceed_the_slots_or_the_large_limit()
    {
        using var slots = Create(3);
        int inside = 0, largeInside = 0, worst = 0, worstLarge = 0;
        var gate = new Lock();
        var mails = Enumerable.Range(0, 400).Select(i => Task.Run(async () =>
        {
            bool large = i % 3 == 0;
            using (await slots.EnterAsync(large, CancellationToken.None))
            {
                lock (gate)
                {
                    inside++;
                    largeInside += large ? 1 : 0;
                    worst = Math.Max(worst, inside);
                    worstLarge = Math.Max(worstLarge, largeInside);
                }

                await Task.Yield();
                lock (gate)
                {
                    inside--;
                    largeInside -= large ? 1 : 0;
                }
            }
        }));

        await Task.WhenAll(mails).WaitAsync(Generous);
        Assert.InRange(worst, 1, 3);
        Assert.InRange(worstLarge, 1, 2);
        Assert.Equal(3, slots.Free);
        Assert.Equal(0, slots.LargeHeld);
    }
}
