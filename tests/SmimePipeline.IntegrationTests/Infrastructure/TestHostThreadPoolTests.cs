namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>
/// The project file's ThreadPoolMinThreads reaches the test host: vstest starts it with this assembly's runtimeconfig,
/// and if it ever did not, the in-process fakes would again wait for the pool's slow thread injection on 2 cores.
/// </summary>
public sealed class TestHostThreadPoolTests
{
    [Fact]
    public void The_test_host_starts_with_the_thread_pool_minimum_of_the_project_file()
    {
        ThreadPool.GetMinThreads(out int workers, out _);
        Assert.True(workers >= 32, $"The test host's thread pool starts with {workers} worker threads, not the project file's 32.");
    }
}
