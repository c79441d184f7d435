namespace SmimePipeline.Testing;

/// <summary>Files of this repository (deploy/, helm/) that tests check, found from the test's output directory upwards.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The repository root: the directory holding SmimePipeline.sln.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>A path below the repository root.</summary>
    public static string Of(params string[] relativeParts) => Path.Combine([Root, .. relativeParts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SmimePipeline.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No SmimePipeline.sln above {AppContext.BaseDirectory}: run the tests from the repository.");
    }
}
