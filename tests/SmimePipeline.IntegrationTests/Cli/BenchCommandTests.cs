using System.Text.Json;
using SmimePipeline.IntegrationTests.Infrastructure;

namespace SmimePipeline.IntegrationTests.Cli;

/// <summary>
/// A smoke test of <c>smime bench protect --json</c> and <c>smime bench pipeline --json</c>: the fields scripts/bench.sh
/// reads exist and are plausible. It measures nothing (benchmarks are not timed tests); scripts/bench.sh does.
/// </summary>
public sealed class BenchCommandTests
{
    [Fact]
    public async Task Bench_protect_json_reports_throughput_allocation_and_output_size_for_ours_and_the_mimekit_baseline()
    {
        var result = await SmimeCli.RunAsync(["bench", "protect", "--message", "small", "--seconds", "1", "--warmup", "0", "--baseline", "mimekit", "--json"]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var report = JsonDocument.Parse(result.Stdout);
        var results = report.RootElement.GetProperty("results");
        Assert.Equal(2, results.GetArrayLength());
        Assert.Equal("smimepipeline", results[0].GetProperty("engine").GetString());
        Assert.Equal("mimekit", results[1].GetProperty("engine").GetString());
        foreach (var run in results.EnumerateArray())
        {
            Assert.True(run.GetProperty("messages").GetInt64() > 0);
            Assert.True(run.GetProperty("messagesPerSecond").GetDouble() > 0);
            Assert.InRange(run.GetProperty("inputBytes").GetInt64(), 5_000, 12_000);
            Assert.True(run.GetProperty("outputBytes").GetInt64() > run.GetProperty("inputBytes").GetInt64());
            Assert.True(run.GetProperty("allocatedBytesPerMessage").GetDouble() > 0);
            Assert.True(run.GetProperty("largeObjectHeapBytesPerMessage").GetDouble() >= 0);
            Assert.True(run.GetProperty("gen2Collections").GetInt32() >= 0);
        }

        Assert.True(report.RootElement.GetProperty("baselineRatio").GetDouble() > 0);

        // The crypto floor describes the message our engine produced: an RSA sender encrypts to the recipient
        // and to itself, the encrypted signed entity holds the digested content, and it is timed.
        var floor = results[0].GetProperty("cryptoFloor");
        Assert.Equal(2, floor.GetProperty("keyTransports").GetInt32());
        Assert.InRange(floor.GetProperty("contentBytes").GetInt32(), 5_000, 12_000);
        Assert.True(floor.GetProperty("plaintextBytes").GetInt32() > floor.GetProperty("contentBytes").GetInt32());
        Assert.True(floor.GetProperty("microseconds").GetDouble() > 0);
        Assert.True(results[0].GetProperty("microsecondsPerMessage").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Null, results[1].GetProperty("cryptoFloor").ValueKind);

        // One thread: own work is also timed in alternating protect/floor slices; the baseline has none.
        var paired = results[0].GetProperty("pairedOwnWork");
        Assert.Equal(10, paired.GetProperty("pairs").GetInt32());
        Assert.True(paired.GetProperty("floorMicroseconds").GetDouble() > 0);
        Assert.InRange(paired.GetProperty("ownShare").GetDouble(), paired.GetProperty("ownShareMin").GetDouble(), paired.GetProperty("ownShareMax").GetDouble());
        Assert.Equal(JsonValueKind.Null, results[1].GetProperty("pairedOwnWork").ValueKind);
    }

    [Fact]
    public async Task Bench_protect_runs_with_aes256_gcm_and_an_ecdsa_key()
    {
        var result = await SmimeCli.RunAsync(["bench", "protect", "--cipher", "aes256-gcm", "--key", "p256", "--seconds", "1", "--warmup", "0", "--json"]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var report = JsonDocument.Parse(result.Stdout);
        var run = report.RootElement.GetProperty("results")[0];
        Assert.Equal("aes256-gcm", run.GetProperty("cipher").GetString());
        Assert.True(run.GetProperty("messages").GetInt64() > 0);

        // An EC sender with an RSA recipient gets no self-copy (it would need ECDH, which NSS cannot read),
        // so one key transport; AuthEnvelopedData's ciphertext is as long as the signed entity.
        var floor = run.GetProperty("cryptoFloor");
        Assert.Equal(1, floor.GetProperty("keyTransports").GetInt32());
        Assert.True(floor.GetProperty("plaintextBytes").GetInt32() > floor.GetProperty("contentBytes").GetInt32());
    }

    [Fact]
    public async Task Bench_pipeline_json_reports_every_mail_the_large_ones_apart_and_the_cpu_per_mail()
    {
        await using var vhost = await RabbitMqVirtualHost.CreateAsync();

        var result = await SmimeCli.RunAsync(
            ["bench", "pipeline", "--rabbitmq", vhost.AmqpUri.ToString(), "--messages", "12", "--message", "small", "--large-every", "4", "--rate", "20", "--warmup", "2", "--json"]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var report = JsonDocument.Parse(result.Stdout);
        var run = report.RootElement;
        // 12 measured mails, every 4th of them large; the 2 warm-up mails are not counted.
        Assert.Equal(12, run.GetProperty("delivered").GetInt32());
        Assert.Equal(12, run.GetProperty("protected").GetInt64());
        Assert.Equal(3, run.GetProperty("largeDelivered").GetInt32());
        Assert.True(run.GetProperty("largeLatencyP50Milliseconds").GetDouble() > 0);
        Assert.True(run.GetProperty("latencyP99Milliseconds").GetDouble() >= run.GetProperty("latencyP50Milliseconds").GetDouble());
        // Paced at 20 mails/s, 12 mails take at least the 0.55 s between the first and the last publish.
        Assert.True(run.GetProperty("seconds").GetDouble() >= 0.5);
        Assert.True(run.GetProperty("processCpuMillisecondsPerMail").GetDouble() > 0);
        Assert.True(run.GetProperty("machineCpuMillisecondsPerMail").GetDouble() >= run.GetProperty("processCpuMillisecondsPerMail").GetDouble() * 0.5);

        // Every mail followed stage by stage from the worker's spans: each of the 9 small mails was seen at every point.
        var stages = run.GetProperty("stages");
        Assert.Equal(9, stages.GetProperty("mails").GetInt32());
        string[] path = ["publish", "signerQueue", "signerWait", "protect", "handOver", "senderQueue", "delivery"];
        foreach (var stage in path.Append("total").Append("signerAfterHandOver").Append("senderAfterAnswer"))
        {
            Assert.True(stages.GetProperty(stage).GetProperty("mails").GetInt32() == 9, $"{stage}: {stages.GetProperty(stage)}");
        }

        Assert.True(stages.GetProperty("protect").GetProperty("p50Milliseconds").GetDouble() > 0);
        // The stages follow each other up to the ESP's answer, which comes after the pickup file was written:
        // their means add up to at least the mean publish-to-file time.
        double pathMean = path.Sum(stage => stages.GetProperty(stage).GetProperty("meanMilliseconds").GetDouble());
        double totalMean = stages.GetProperty("total").GetProperty("meanMilliseconds").GetDouble();
        Assert.True(pathMean >= totalMean - 1, $"stages add up to {pathMean} ms, publish to file took {totalMean} ms on average");

        // No bounded place held more mails on average than its limit.
        var occupancy = stages.GetProperty("occupancy");
        Assert.Equal(200, occupancy.GetProperty("producerWindow").GetProperty("limit").GetInt32());
        foreach (var place in new[] { "producerWindow", "signerInFlight", "protectSlots", "senderConcurrency" })
        {
            var average = occupancy.GetProperty(place).GetProperty("average").GetDouble();
            Assert.InRange(average, 0.0, occupancy.GetProperty(place).GetProperty("limit").GetInt32() + 0.01);
        }

        Assert.True(occupancy.GetProperty("signerInFlight").GetProperty("limit").GetInt32() >= occupancy.GetProperty("protectSlots").GetProperty("limit").GetInt32());
        Assert.Equal(3, run.GetProperty("largeStages").GetProperty("mails").GetInt32());
        Assert.Equal(200, run.GetProperty("producerInFlight").GetInt32());
        Assert.True(run.GetProperty("runtime").GetProperty("lohThresholdBytes").GetInt64() > 0);
    }

    [Fact]
    public async Task Bench_pipeline_without_stages_keeps_the_figures_and_leaves_stages_out()
    {
        await using var vhost = await RabbitMqVirtualHost.CreateAsync();

        var result = await SmimeCli.RunAsync(
            ["bench", "pipeline", "--rabbitmq", vhost.AmqpUri.ToString(), "--messages", "6", "--message", "small", "--in-flight", "2", "--no-stages", "--json"]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var report = JsonDocument.Parse(result.Stdout);
        var run = report.RootElement;
        Assert.Equal(6, run.GetProperty("delivered").GetInt32());
        Assert.Equal(2, run.GetProperty("producerInFlight").GetInt32());
        Assert.Equal(JsonValueKind.Null, run.GetProperty("stages").ValueKind);
        Assert.Matches("^[0-9a-f]{32}$", run.GetProperty("sampleTraceId").GetString());
    }
}
