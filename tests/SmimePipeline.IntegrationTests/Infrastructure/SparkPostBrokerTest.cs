using SmimePipeline.Testing.SparkPost;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>
/// A <see cref="BrokerTest"/> whose workers deliver to the SparkPost fake (<see cref="Esp"/>, started and stopped with each
/// test), which counts every transmission per mail id and answers as a test scripts it.
/// </summary>
public abstract class SparkPostBrokerTest : BrokerTest, IAsyncLifetime
{
    protected SparkPostFake Esp { get; private set; } = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        Esp = await SparkPostFake.StartAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await Esp.DisposeAsync();
        await DisposeAsync();
    }

    /// <summary>
    /// Both roles in one process on this test's virtual host, <see cref="Esp"/> as the ESP (<see cref="SparkPostFake.ClientTimeout"/>), no immediate
    /// retries, the ledger in SQLite in <see cref="BrokerTest.Temp"/>; <paramref name="more"/> adds or overrides settings.
    /// </summary>
    protected Dictionary<string, string?> BothRolesOnSparkPost(params (string Key, string? Value)[] more) =>
        WorkerSettings(
            "Signer",
            Path.Combine(Temp.Path, "outbox"),
            [
                ("SmimePipeline:Roles", "Signer,Sender"),
                ("SmimePipeline:ClaimCheck:Directory", Path.Combine(Temp.Path, "claims")),
                ("SmimePipeline:Delivery:Provider", "sparkpost"),
                ("SmimePipeline:Delivery:SparkPost:BaseUrl", Esp.BaseUrl.ToString()),
                ("SmimePipeline:Delivery:SparkPost:ApiKey", Esp.ApiKey),
                ("SmimePipeline:Delivery:SparkPost:Timeout", SparkPostFake.ClientTimeout.ToString()),
                ("SmimePipeline:Delivery:Ledger:SqlitePath", Path.Combine(Temp.Path, "ledger.db")),
                ("SmimePipeline:Sender:ImmediateRetries", ""),
                .. more,
            ]);
}
