namespace SmimePipeline.Testing;

/// <summary>Copies a directory tree (a chart to render in isolation, a certificate store to change).</summary>
public static class DirectoryCopy
{
    /// <summary>Copies every file and sub-directory of <paramref name="source"/> into <paramref name="destination"/>.</summary>
    public static void Copy(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.GetDirectories(source))
        {
            Copy(directory, Path.Combine(destination, Path.GetFileName(directory)));
        }
    }
}
