using MassTransit;
using SmimePipeline.Contracts;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>
/// A publish observer for a worker under test that holds every publish of <see cref="EmailDelivered"/> until the test
/// lets them go (<see cref="Release"/>), as a broker whose confirm is slow would hold the publisher; the publish then goes
/// to the real broker as usual. <see cref="FirstHeld"/> completes with the first held mail's id.
/// </summary>
public sealed class HeldDeliveredEvents : IPublishObserver
{
    private readonly TaskCompletionSource<Guid> _firstHeld = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first <see cref="EmailDelivered"/> publish reached the observer, with its mail id.</summary>
    public Task<Guid> FirstHeld => _firstHeld.Task;

    /// <summary>Lets every held publish, and every later one, go on.</summary>
    public void Release() => _released.TrySetResult();

    public async Task PrePublish<T>(PublishContext<T> context)
        where T : class
    {
        if (context.Message is EmailDelivered delivered)
        {
            _firstHeld.TrySetResult(delivered.MailId);
            await _released.Task.WaitAsync(TimeSpan.FromSeconds(20));
        }
    }

    public Task PostPublish<T>(PublishContext<T> context)
        where T : class => Task.CompletedTask;

    public Task PublishFault<T>(PublishContext<T> context, Exception exception)
        where T : class => Task.CompletedTask;
}
