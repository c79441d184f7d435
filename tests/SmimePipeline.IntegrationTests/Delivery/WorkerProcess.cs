using System.Diagnostics;
using System.Text;

namespace SmimePipeline.IntegrationTests.Delivery;

/// <summary>The real worker (<c>dotnet SmimePipeline.Worker.dll</c>) as a separate OS process, configured by environment variables.</summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private WorkerProcess(Process process) => _process = process;

    public int Id => _process.Id;

    /// <summary>What the worker printed (for failure messages; it logs ids, never content).</summary>
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

    public static WorkerProcess Start(IReadOnlyDictionary<string, string?> settings)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "SmimePipeline.Worker.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: the Worker project must be built with the tests.");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var worker = new WorkerProcess(process);
        process.OutputDataReceived += (_, e) => worker.Append(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>SIGKILL: no shutdown, no acks, nothing flushed.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            KillHard();
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
