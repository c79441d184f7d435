using SharpFuzz;

namespace SmimePipeline.Fuzzing;

/// <summary>
/// <c>smime-fuzz list</c>; <c>smime-fuzz seed TARGET DIR</c> writes the seed corpus; <c>smime-fuzz run TARGET</c>
/// is what afl-fuzz starts (input on stdin, SharpFuzz's out-of-process mode); <c>smime-fuzz replay TARGET FILE|DIR…</c>
/// runs saved inputs without afl-fuzz and exits 1 when one of them fails, naming it.
/// </summary>
internal static class FuzzCommand
{
    private static readonly IFuzzTarget[] Targets =
    [
        new MimeProtectTarget(),
        new SignedMailTarget(),
        new CertificateTarget(),
        new CrlTarget(),
        new ProtectEmailBinaryTarget(),
        new ProtectMimeMessageBinaryTarget(),
    ];

    public static int Run(string[] args)
    {
        if (args is ["list"])
        {
            foreach (var target in Targets)
            {
                Console.WriteLine($"{target.Name,-21} {target.Description}");
            }

            return 0;
        }

        if (args.Length >= 2 && Find(args[1]) is { } chosen)
        {
            switch (args[0])
            {
                case "run" when args.Length == 2:
                    // Nothing instrumented may run before Run attaches afl-fuzz's shared memory: the environment
                    // (store, keys) is created by the first input, inside the callback.
                    Fuzzer.OutOfProcess.Run(stream =>
                    {
                        using var buffer = new MemoryStream();
                        stream.CopyTo(buffer);
                        chosen.Run(buffer.ToArray());
                    });
                    return 0;
                case "seed" when args.Length == 3:
                    Directory.CreateDirectory(args[2]);
                    chosen.WriteSeeds(args[2]);
                    return 0;
                case "replay" when args.Length >= 3:
                    return Replay(chosen, args[2..]);
            }
        }

        Console.Error.WriteLine("usage: smime-fuzz list | seed TARGET DIR | run TARGET | replay TARGET FILE|DIR...");
        Console.Error.WriteLine($"targets: {string.Join(", ", Targets.Select(t => t.Name))}");
        return 1;
    }

    private static IFuzzTarget? Find(string name) => Targets.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.Ordinal));

    private static int Replay(IFuzzTarget target, string[] paths)
    {
        var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p).Order(StringComparer.Ordinal).ToArray() : new[] { p }).ToList();
        int failed = 0;
        foreach (var file in files)
        {
            try
            {
                target.Run(File.ReadAllBytes(file));
            }
#pragma warning disable CA1031 // Replay reports every unexpected exception by input file, the way afl-fuzz would count it as a crash.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failed++;
                Console.Error.WriteLine($"{file}: {ex.GetType().FullName}: {ex.Message}");
                Console.Error.WriteLine(ex.StackTrace);
            }
        }

        Console.WriteLine($"{target.Name}: {files.Count} input(s), {failed} failed");
        return failed == 0 ? 0 : 1;
    }
}
