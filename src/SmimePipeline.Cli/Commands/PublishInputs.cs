using System.Runtime.CompilerServices;
using MimeKit;

namespace SmimePipeline.Cli.Commands;

/// <summary>
/// The messages <c>smime publish</c> sends, in order: each argument is a file, a directory (its <c>*.eml</c>
/// files, sorted by name, not recursive) or <c>-</c> for standard input. Standard input is framed either as one
/// path per line (<c>paths</c>, e.g. from <c>find</c>) or as an mbox stream (<c>mbox</c>, "From " separator lines,
/// RFC 4155). A path that does not exist is reported as a failure, not a reason to stop.
/// </summary>
internal static class PublishInputs
{
    public const string PathsFormat = "paths";
    public const string MboxFormat = "mbox";

    public static async IAsyncEnumerable<PublishInput> ReadAsync(
        IReadOnlyList<string> arguments,
        string stdinFormat,
        Stream stdin,
        Action<string, string> failed,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var argument in arguments)
        {
            if (argument != "-")
            {
                foreach (var input in Expand(argument, failed))
                {
                    yield return input;
                }

                continue;
            }

            if (stdinFormat == MboxFormat)
            {
                var parser = new MimeParser(stdin, MimeFormat.Mbox);
                for (int n = 1; !parser.IsEndOfStream; n++)
                {
                    using var message = await parser.ParseMessageAsync(cancellationToken);
                    using var buffer = new MemoryStream();
                    await message.WriteToAsync(buffer, cancellationToken);
                    yield return new PublishInput($"stdin#{n}", null, buffer.ToArray());
                }

                continue;
            }

            using var reader = new StreamReader(stdin, leaveOpen: true);
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.Trim() is { Length: > 0 } path)
                {
                    foreach (var input in Expand(path, failed))
                    {
                        yield return input;
                    }
                }
            }
        }
    }

    private static IEnumerable<PublishInput> Expand(string path, Action<string, string> failed)
    {
        if (Directory.Exists(path))
        {
            var files = Directory.GetFiles(path, "*.eml");
            Array.Sort(files, StringComparer.Ordinal);
            return files.Select(f => new PublishInput(f, f, null));
        }

        if (File.Exists(path))
        {
            return [new PublishInput(path, path, null)];
        }

        failed(path, "no such file or directory");
        return [];
    }
}
