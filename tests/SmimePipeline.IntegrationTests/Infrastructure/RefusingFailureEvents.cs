using MassTransit;
using SmimePipeline.Contracts;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>
/// A publish observer for a worker under test that fails every publish of <see cref="EmailDeliveryFailed"/> with an
/// <see cref="InvalidOperationException"/>, as a broker that refused the event would if MassTransit failed such a publish
/// (8.5 retries it instead: README "Every failure is seen").
/// </summary>
public sealed class RefusingFailureEvents : IPublishObserver
{
    public Task PrePublish<T>(PublishContext<T> context)
        where T : class => context.Message is EmailDeliveryFailed ? throw new InvalidOperationException("the broker refused the event") : Task.CompletedTask;

    public Task PostPublish<T>(PublishContext<T> context)
        where T : class => Task.CompletedTask;

    public Task PublishFault<T>(PublishContext<T> context, Exception exception)
        where T : class => Task.CompletedTask;
}
