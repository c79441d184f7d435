using Microsoft.Extensions.Options;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.Worker.Tests.Sending;

public sealed class DeliverySlotsTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    private static SmimePipelineOptions Settings(int concurrency, int largeMailPlaces) =>
        new() { Sender = { Concurrency = concurrency, LargeMailPlaces = largeMailPlaces } };

    private static DeliverySlots Create(int concurrency, int largeMailPlaces) =>
        new(Options.Create(Settings(concurrency, largeMailPlaces)));

    [Fact]
    public void By_default_large_mails_hold_two_of_the_ten_places()
    {
        using var places = new DeliverySlots(Options.Create(new SmimePipelineOptions()));

        Assert.Equal(10, places.Count);
        Assert.Equal(SenderOptions.DefaultLargeMailPlaces, places.LargeLimit);
    }

    [Fact]
    public void Off_large_mails_may_hold_every_place_and_the_consumer_takes_only_as_many_as_it_delivers()
    {
        var options = Settings(concurrency: 10, largeMailPlaces: 0);
        using var places = new DeliverySlots(Options.Create(options));

        Assert.Equal(10, places.LargeLimit);
        Assert.Equal(10, new DeliverEmailConsumerDefinition(Options.Create(options)).ConcurrentMessageLimit);
    }

    [Fact]
    public void On_every_prefetched_mail_enters_the_consumer_to_wait_for_a_place_in_size_order()
    {
        var options = Settings(concurrency: 10, largeMailPlaces: 2);

        Assert.Equal(DeliverEmailConsumerDefinition.PrefetchPerConcurrentMessage * 10,
            new DeliverEmailConsumerDefinition(Options.Create(options)).ConcurrentMessageLimit);
    }

    [Fact]
    public void Try_enter_takes_a_free_place_at_once_and_none_when_all_are_taken()
    {
        using var places = Create(concurrency: 2, largeMailPlaces: 1);

        using var first = places.TryEnter(large: false);
        using var second = places.TryEnter(large: false);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(places.TryEnter(large: false));
        Assert.Equal(0, places.Free);
    }

    [Fact]
    public void Try_enter_respects_the_large_limit()
    {
        using var places = Create(concurrency: 3, largeMailPlaces: 1);
        using var large = places.TryEnter(large: true);

        Assert.NotNull(large);
        Assert.Null(places.TryEnter(large: true));
        Assert.NotNull(places.TryEnter(large: false));
    }

    [Fact]
    public async Task Large_waiting_counts_the_large_mails_held_back_by_the_large_limit()
    {
        using var places = Create(concurrency: 3, largeMailPlaces: 1);
        var large = await places.EnterAsync(large: true, CancellationToken.None);
        var waiting = places.EnterAsync(large: true, CancellationToken.None);

        Assert.Equal(1, places.LargeWaiting);
        large.Dispose();
        using var granted = await waiting.WaitAsync(Generous);
        Assert.Equal(0, places.LargeWaiting);
    }

    [Fact]
    public async Task A_place_given_back_goes_to_the_mail_waiting_for_it_not_to_a_later_try_enter()
    {
        using var places = Create(concurrency: 1, largeMailPlaces: 1);
        var held = await places.EnterAsync(large: false, CancellationToken.None);
        var waiting = places.EnterAsync(large: false, CancellationToken.None);

        Assert.Null(places.TryEnter(large: false));
        held.Dispose();
        using var granted = await waiting.WaitAsync(Generous);

        Assert.Null(places.TryEnter(large: false));
    }

    [Fact]
    public void More_large_places_than_places_are_capped()
    {
        using var places = Create(concurrency: 3, largeMailPlaces: 5);

        Assert.Equal(3, places.LargeLimit);
    }

    [Fact]
    public async Task A_small_mail_gets_a_freed_place_before_a_large_one_that_waited_longer()
    {
        using var places = Create(concurrency: 2, largeMailPlaces: 1);
        var large = await places.EnterAsync(large: true, CancellationToken.None);
        var small = await places.EnterAsync(large: false, CancellationToken.None);

        var largeWaiting = places.EnterAsync(large: true, CancellationToken.None);
        var smallWaiting = places.EnterAsync(large: false, CancellationToken.None);
        small.Dispose();

        using var granted = await smallWaiting.WaitAsync(Generous);
        Assert.False(largeWaiting.IsCompleted);
        large.Dispose();
        using var grantedLarge = await largeWaiting.WaitAsync(Generous);
    }

    [Fact]
    public async Task While_large_mails_hold_their_places_a_small_mail_still_gets_one()
    {
        using var places = Create(concurrency: 3, largeMailPlaces: 2);
        using var first = await places.EnterAsync(large: true, CancellationToken.None);
        using var second = await places.EnterAsync(large: true, CancellationToken.None);

        var third = places.EnterAsync(large: true, CancellationToken.None);
        var small = places.EnterAsync(large: false, CancellationToken.None);

        Assert.True(small.IsCompletedSuccessfully);
        Assert.False(third.IsCompleted);
        (await small).Dispose();
        Assert.False(third.IsCompleted);
    }

    [Fact]
    public async Task A_large_mail_waiting_under_its_limit_gets_the_next_freed_place_before_small_mails_that_keep_coming()
    {
        using var places = Create(concurrency: 3, largeMailPlaces: 1);
        var small1 = await places.EnterAsync(large: false, CancellationToken.None);
        var small2 = await places.EnterAsync(large: false, CancellationToken.None);
        using var small3 = await places.EnterAsync(large: false, CancellationToken.None);

        var large = places.EnterAsync(large: true, CancellationToken.None);
        var smallWaiting = places.EnterAsync(large: false, CancellationToken.None);
        small1.Dispose();

        using var largePlace = await large.WaitAsync(Generous);
        Assert.Equal(1, places.LargeHeld);
        Assert.False(smallWaiting.IsCompleted);
        Assert.Null(places.TryEnter(large: false));

        // The places large mails cannot hold stay the small ones', first come first served.
        small2.Dispose();
        using var smallPlace = await smallWaiting.WaitAsync(Generous);
        Assert.Equal(0, places.Free);
    }

    [Fact]
    public async Task No_place_is_kept_for_a_large_mail_at_its_limit_so_small_mails_take_every_other_one()
    {
        using var places = Create(concurrency: 3, largeMailPlaces: 1);
        var large = await places.EnterAsync(large: true, CancellationToken.None);
        var small = await places.EnterAsync(large: false, CancellationToken.None);
        using var other = await places.EnterAsync(large: false, CancellationToken.None);

        var largeWaiting = places.EnterAsync(large: true, CancellationToken.None);
        var smallWaiting = places.EnterAsync(large: false, CancellationToken.None);
        small.Dispose();

        using var smallPlace = await smallWaiting.WaitAsync(Generous);
        Assert.False(largeWaiting.IsCompleted);
        large.Dispose();
        using var largePlace = await largeWaiting.WaitAsync(Generous);
        Assert.Equal(1, places.LargeHeld);
    }

    [Fact]
    public async Task With_large_mails_allowed_every_place_none_is_kept_and_small_mails_still_go_first()
    {
        using var places = Create(concurrency: 2, largeMailPlaces: 0);
        var first = await places.EnterAsync(large: false, CancellationToken.None);
        using var second = await places.EnterAsync(large: false, CancellationToken.None);

        var large = places.EnterAsync(large: true, CancellationToken.None);
        var small = places.EnterAsync(large: false, CancellationToken.None);
        first.Dispose();

        using var smallPlace = await small.WaitAsync(Generous);
        Assert.False(large.IsCompleted);
    }
}
