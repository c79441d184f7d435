using System.ComponentModel;
using System.Diagnostics;

namespace SmimePipeline.Testing;

/// <summary>
/// Runs a command-line tool (openssl, cmsutil, gpgsm, rabbitmqctl…) and captures its output.
/// The tools are installed by <c>scripts/test.sh</c>; a missing tool fails the test with a clear message.
/// </summary>
public static class ExternalTool
{
    /// <summary>Default limit for one tool run.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Runs <paramref name="file"/> with <paramref name="args"/> (passed as separate arguments, never
    /// through a shell), writes <paramref name="stdin"/> to its standard input if given, and waits for it.
    /// </summary>
    /// <param name="file">The tool.</param>
    /// <param name="args">Its arguments.</param>
    /// <param name="stdin">Bytes for its standard input, or <see langword="null"/>.</param>
    /// <param name="timeout">How long it may run (default 60 s).</param>
    /// <param name="environment">Extra environment variables; an empty value removes the variable.</param>
    /// <param name="workingDirectory">The tool's working directory, or <see langword="null"/> for this process's.</param>
    /// <exception cref="InvalidOperationException">The tool is not installed.</exception>
    /// <exception cref="TimeoutException">The tool ran longer than <paramref name="timeout"/> (default 60 s); it is killed.</exception>
    public static async Task<ToolResult> RunAsync(
        string file,
        string[] args,
        byte[]? stdin = null,
        TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(args);
        var startInfo = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            if (value.Length == 0)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"'{file}' could not be started ({e.Message}): is it installed? scripts/test.sh installs the tools the tests need.", e);
        }

        // For the wait log: the tool, or for `dotnet x.dll command` the program and its command (smime.dll protect).
        var what = file == "dotnet" && args.Length > 0 ? string.Join(' ', [Path.GetFileName(args[0]), .. args.Skip(1).Take(1)]) : Path.GetFileName(file);
        var running = Stopwatch.StartNew();
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var stdoutTask = CopyToArrayAsync(process.StandardOutput.BaseStream, cts.Token);
        var stderrTask = process.StandardError.ReadToEndAsync(cts.Token);
        try
        {
            if (stdin is not null)
            {
                await process.StandardInput.BaseStream.WriteAsync(stdin, cts.Token);
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync(cts.Token);
            var result = new ToolResult(process.ExitCode, await stdoutTask, await stderrTask);
            WaitBudgetLog.Record(what, timeout ?? DefaultTimeout, running.Elapsed, met: true, nameof(ExternalTool), 0);
            return result;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            WaitBudgetLog.Record(what, timeout ?? DefaultTimeout, running.Elapsed, met: false, nameof(ExternalTool), 0);
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{file}' did not finish within {timeout ?? DefaultTimeout}.");
        }
    }

    private static async Task<byte[]> CopyToArrayAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    /// <summary>
    /// The full path of <paramref name="name"/> on PATH. Fails the test with an install hint when the
    /// tool is missing: a missing tool is a broken test machine, never a reason to skip.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tool is not on PATH.</exception>
    public static string Require(string name, string installHint) =>
        FindOnPath(name) ?? throw new InvalidOperationException($"'{name}' is not on PATH. {installHint}");

    /// <summary>The full path of <paramref name="name"/> on PATH, or <see langword="null"/>.</summary>
    public static string? FindOnPath(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
