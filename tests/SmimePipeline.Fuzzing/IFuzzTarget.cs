namespace SmimePipeline.Fuzzing;

/// <summary>
/// One parser of untrusted input, driven with arbitrary bytes. <see cref="Run"/> returns for every input the
/// production code answers with a documented refusal; any other exception escapes and is a finding (afl-fuzz
/// records it as a crash), as is an input that does not return in time (a hang).
/// </summary>
internal interface IFuzzTarget
{
    /// <summary>The name used on the command line (<c>scripts/fuzz.sh NAME</c>).</summary>
    string Name { get; }

    /// <summary>What the target feeds its input to.</summary>
    string Description { get; }

    /// <summary>Feeds <paramref name="input"/> to the parser.</summary>
    /// <param name="input">Arbitrary bytes.</param>
    void Run(byte[] input);

    /// <summary>Writes realistic starting inputs (the seed corpus) into <paramref name="directory"/>.</summary>
    /// <param name="directory">An existing, empty directory.</param>
    void WriteSeeds(string directory);
}
