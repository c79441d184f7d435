namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>Files of this repository (deploy/, helm/) that tests check against the running product.</summary>
public static class RepositoryFiles
{
    /// <summary>The path of a file below the repository root (the folder holding SmimePipeline.sln).</summary>
    public static string Path(params string[] parts)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(System.IO.Path.Combine(directory.FullName, "SmimePipeline.sln")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        return System.IO.Path.Combine([directory.FullName, .. parts]);
    }
}
