using SmimePipeline.Delivery.Pickup;
using SmimePipeline.Testing;

namespace SmimePipeline.Delivery.Tests.Pickup;

public sealed class DirectoryEntriesTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Flushing_an_existing_directory_succeeds()
    {
        File.WriteAllText(_temp.File("a.eml"), "x");

        DirectoryEntries.Flush(_temp.Path);

        Assert.True(File.Exists(_temp.File("a.eml")));
    }

    [Fact]
    public void Flushing_a_missing_directory_names_it_and_the_systems_error()
    {
        var missing = _temp.File("not-there");

        var error = Assert.Throws<IOException>(() => DirectoryEntries.Flush(missing));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("No such file or directory", error.Message, StringComparison.Ordinal);
    }
}
