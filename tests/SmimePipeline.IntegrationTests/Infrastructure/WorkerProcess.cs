using System.Diagnostics;
using System.Text;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>
/// The real worker executable (SmimePipeline.Worker.dll) as a separate OS process, configured only
/// through environment variables, as in a container. Its output is kept for diagnosis.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private WorkerProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The port of the worker's HTTP endpoints (health, metrics).</summary>
    public int HttpPort { get; private set; }

    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}/");

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the worker wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// How long a worker may take from its start to a 200 from <c>/health/ready</c>: one budget for listening and ready
    /// together, so that a slow first phase is not failed while the budget as a whole holds. Until session 18 each phase had
    /// 90 s of its own, and in a run at load 80-99 one worker (PrometheusScrapeTests) had not listened after 90 s: its
    /// start runs the bus and the broker declarations before Kestrel binds. Other workers of that run were ready, both
    /// phases, in 12-21 s at load 60.
    /// </summary>
    public static readonly TimeSpan StartBudget = TimeSpan.FromSeconds(180);

    /// <summary>
    /// Starts the worker and waits until <c>/health/ready</c> answers 200 (<see cref="StartBudget"/>). Setting names may be
    /// given as configuration keys (<c>SmimePipeline:Roles</c>) or as environment variables (<c>SmimePipeline__Roles</c>).
    /// </summary>
    public static async Task<WorkerProcess> StartAsync(IReadOnlyDictionary<string, string?> environment, string workingDirectory)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "SmimePipeline.Worker.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: the worker must be built with the tests.");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        // Port 0: Kestrel binds a port the kernel picks (no other process can take it first); read back below.
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in environment)
        {
            start.Environment[name.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var starting = Stopwatch.StartNew();
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var worker = new WorkerProcess(process);
        try
        {
            worker.HttpPort = await LoopbackPorts.WaitForListeningTcpPortAsync(process, StartBudget, "The worker");
        }
        catch (InvalidOperationException e)
        {
            WaitBudgetLog.Record("WorkerProcess listening", StartBudget, starting.Elapsed, met: false, nameof(WorkerProcess), 0);
            await worker.DisposeAsync();
            Assert.Fail($"{e.Message}\n{worker.Output}");
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTimeOffset.UtcNow + StartBudget - starting.Elapsed;
        while (true)
        {
            if (process.HasExited)
            {
                Assert.Fail($"The worker exited with code {process.ExitCode} before it was ready:\n{worker.Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(worker.BaseAddress, "health/ready"));
                if (response.IsSuccessStatusCode)
                {
                    WaitBudgetLog.Record("WorkerProcess ready", StartBudget, starting.Elapsed, met: true, nameof(WorkerProcess), 0);
                    return worker;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but slow to answer (a loaded machine): ask again until the deadline.
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                WaitBudgetLog.Record("WorkerProcess ready", StartBudget, starting.Elapsed, met: false, nameof(WorkerProcess), 0);
                await worker.DisposeAsync();
                Assert.Fail($"The worker was not ready within {StartBudget.TotalSeconds:F0} s of its start:\n{worker.Output}");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>Sends SIGTERM (what Kubernetes and docker stop send) and waits for the exit.</summary>
    /// <returns>How long the worker took to exit.</returns>
    public async Task<TimeSpan> TerminateAsync(TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        var kill = await ExternalTool.RunAsync("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.Equal(0, kill.ExitCode);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"The worker did not exit within {timeout.TotalSeconds:F0} s of SIGTERM:\n{Output}");
        }

        return stopwatch.Elapsed;
    }

    /// <summary>Kills the worker at once (SIGKILL): a crash, nothing is finished.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
