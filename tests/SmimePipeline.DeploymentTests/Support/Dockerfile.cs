using System.Text.RegularExpressions;

namespace SmimePipeline.DeploymentTests.Support;

/// <summary>One instruction of a Dockerfile, continuation lines joined, comments dropped.</summary>
public sealed record DockerInstruction(string Keyword, string Arguments, int Stage);

/// <summary>
/// A small Dockerfile reader, enough to check our rules (hadolint is not installable from the
/// registries these machines reach): instructions per build stage and global ARG defaults.
/// </summary>
public sealed partial class Dockerfile
{
    private Dockerfile(string path, IReadOnlyList<DockerInstruction> instructions, IReadOnlyDictionary<string, string> globalArguments)
    {
        Path = path;
        Instructions = instructions;
        GlobalArguments = globalArguments;
    }

    public string Path { get; }

    public IReadOnlyList<DockerInstruction> Instructions { get; }

    /// <summary>ARG defaults declared before the first FROM.</summary>
    public IReadOnlyDictionary<string, string> GlobalArguments { get; }

    public int StageCount => Instructions.Count(i => i.Keyword == "FROM");

    public IEnumerable<DockerInstruction> FinalStage => Instructions.Where(i => i.Stage == StageCount);

    /// <summary>The FROM images with global ARGs substituted; stage aliases ("AS x") removed.</summary>
    public IEnumerable<string> BaseImages =>
        Instructions.Where(i => i.Keyword == "FROM").Select(i => Substitute(i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .First(part => !part.StartsWith("--", StringComparison.Ordinal))));

    public static Dockerfile Load(string path)
    {
        var instructions = new List<DockerInstruction>();
        var globals = new Dictionary<string, string>(StringComparer.Ordinal);
        var stage = 0;
        var pending = string.Empty;
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && pending.Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            var full = (pending + line).Trim();
            pending = string.Empty;
            if (full.Length == 0)
            {
                continue;
            }

            var space = full.IndexOf(' ', StringComparison.Ordinal);
            var keyword = (space < 0 ? full : full[..space]).ToUpperInvariant();
            var arguments = space < 0 ? string.Empty : full[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                stage++;
            }
            else if (keyword == "ARG" && stage == 0)
            {
                var parts = arguments.Split('=', 2);
                globals[parts[0]] = parts.Length == 2 ? parts[1] : string.Empty;
            }

            instructions.Add(new DockerInstruction(keyword, arguments, stage));
        }

        return new Dockerfile(path, instructions, globals);
    }

    private string Substitute(string text) =>
        ArgumentReference().Replace(text, m =>
            GlobalArguments.TryGetValue(m.Groups["name"].Value, out var value) ? value : m.Value);

    [GeneratedRegex(@"\$\{?(?<name>[A-Za-z_][A-Za-z0-9_]*)\}?")]
    private static partial Regex ArgumentReference();
}
