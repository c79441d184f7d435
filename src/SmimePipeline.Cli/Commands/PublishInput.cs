namespace SmimePipeline.Cli.Commands;

/// <summary>One message for <c>smime publish</c>: a file to read, or bytes already read from standard input.</summary>
/// <param name="Name">How the message is named in output and errors (its path, or <c>stdin#N</c>).</param>
/// <param name="Path">The file to read, or <see langword="null"/> when <paramref name="Content"/> is given.</param>
/// <param name="Content">The message, or <see langword="null"/> when it is read from <paramref name="Path"/>.</param>
internal sealed record PublishInput(string Name, string? Path, byte[]? Content);
