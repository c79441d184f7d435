using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace SmimePipeline.Cryptography.Pkcs11;

/// <summary>
/// A PKCS#11 module (the vendor's shared library), loaded and initialised (<c>C_Initialize</c>, OS locking,
/// multi-threaded) once per process and path, and never unloaded: finalising a module under other users of it
/// in the same process would end their sessions too.
/// </summary>
public sealed class Pkcs11Module
{
    private static readonly ConcurrentDictionary<string, Lazy<Pkcs11Module>> Loaded = new(StringComparer.Ordinal);

#pragma warning disable CA1810 // The resolver must be registered before Pkcs11Interop's first P/Invoke, exactly once.
    static Pkcs11Module()
    {
        // Pkcs11Interop loads modules with dlopen from "libdl". Since glibc 2.34 (Debian 12) dlopen lives in libc and
        // only the versioned libdl.so.2 exists without the -dev package, so the unversioned name must be mapped.
        NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly, (name, _, _) =>
            name == "libdl" && OperatingSystem.IsLinux()
                ? (NativeLibrary.TryLoad("libdl.so.2", out var handle) || NativeLibrary.TryLoad("libc.so.6", out handle) ? handle : IntPtr.Zero)
                : IntPtr.Zero);
    }
#pragma warning restore CA1810

    private Pkcs11Module(string path, IPkcs11Library library)
    {
        Path = path;
        Library = library;
    }

    /// <summary>The module's full path.</summary>
    public string Path { get; }

    internal IPkcs11Library Library { get; }

    internal Pkcs11InteropFactories Factories => Library.Factories;

    /// <summary>The module at <paramref name="path"/>, loading it on first use in this process.</summary>
    /// <param name="path">The full path of the PKCS#11 shared library.</param>
    /// <returns>The process-wide module.</returns>
    /// <exception cref="Pkcs11UnavailableException">The file is missing, is not a PKCS#11 module, or <c>C_Initialize</c> failed; a failed load is retried on the next call.</exception>
    public static Pkcs11Module Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = System.IO.Path.GetFullPath(path);
        var lazy = Loaded.GetOrAdd(full, p => new Lazy<Pkcs11Module>(() => Create(p), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch (Pkcs11UnavailableException)
        {
            Loaded.TryRemove(new KeyValuePair<string, Lazy<Pkcs11Module>>(full, lazy));
            throw;
        }
    }

    private static Pkcs11Module Create(string path)
    {
        if (!File.Exists(path))
        {
            throw new Pkcs11UnavailableException($"The PKCS#11 module {path} does not exist.");
        }

        try
        {
            var factories = new Pkcs11InteropFactories();
            var library = factories.Pkcs11LibraryFactory.LoadPkcs11Library(factories, path, AppType.MultiThreaded);
            return new Pkcs11Module(path, library);
        }
        catch (Pkcs11Exception e)
        {
            throw new Pkcs11UnavailableException($"The PKCS#11 module {path} failed to initialise ({e.RV}).", e);
        }
        catch (UnmanagedException e)
        {
            throw new Pkcs11UnavailableException($"The file {path} is not a loadable PKCS#11 module.", e);
        }
    }
}
