namespace SmimePipeline.DeploymentTests.Support;

/// <summary>
/// NOTES.txt is rendered only by `helm install`, which needs a cluster. To check it here, a copy of the chart renders the
/// same text through `tpl` inside a throw-away ConfigMap template; the copy is removed on dispose.
/// </summary>
public sealed class NotesChart : IDisposable
{
    private readonly string chartCopy = Path.Combine(Path.GetTempPath(), $"smime-chart-notes-{Guid.NewGuid():N}");

    public NotesChart()
    {
        DirectoryCopy.Copy(Helm.ChartDirectory, chartCopy);
        File.Copy(Path.Combine(chartCopy, "templates", "NOTES.txt"), Path.Combine(chartCopy, "notes-under-test.txt"));
        File.WriteAllText(
            Path.Combine(chartCopy, "templates", "notes-under-test.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes-under-test\ndata:\n  notes: |\n    {{- tpl (.Files.Get \"notes-under-test.txt\") . | nindent 4 }}\n");
    }

    /// <summary>NOTES.txt as `helm template` renders it with <paramref name="arguments"/> (e.g. <c>-f values.yaml</c>, <c>--set …</c>).</summary>
    /// <exception cref="Xunit.Sdk.XunitException">Rendering failed (the message holds helm's output).</exception>
    public async Task<string> RenderAsync(params string[] arguments)
    {
        var helm = await Helm.RequireAsync();
        var result = await ExternalTool.RunAsync(helm, ["template", "smime", ".", .. arguments, "--show-only", "templates/notes-under-test.yaml"], timeout: ToolLimits.Timeout, workingDirectory: chartCopy);
        Assert.True(result.ExitCode == 0, $"NOTES.txt did not render with {string.Join(' ', arguments)}:\n{result.Describe()}");
        return YamlJson.Parse(result.StdoutText)["data"]!["notes"]!.GetValue<string>();
    }

    public void Dispose() => Directory.Delete(chartCopy, recursive: true);
}
