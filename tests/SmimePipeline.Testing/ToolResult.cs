namespace SmimePipeline.Testing;

/// <summary>The outcome of an <see cref="ExternalTool"/> run.</summary>
/// <param name="ExitCode">The process exit code.</param>
/// <param name="Stdout">Everything the tool wrote to standard output, unchanged (it may be binary, e.g. DER).</param>
/// <param name="Stderr">Everything the tool wrote to standard error, as UTF-8 text.</param>
public sealed record ToolResult(int ExitCode, byte[] Stdout, string Stderr)
{
    /// <summary>Standard output decoded as UTF-8, for tools that print text.</summary>
    public string StdoutText => System.Text.Encoding.UTF8.GetString(Stdout);

    /// <summary>A short description for assertion messages (only for tools that print no secrets).</summary>
    public string Describe() => $"exit code {ExitCode}\nstdout:\n{StdoutText}\nstderr:\n{Stderr}";
}
