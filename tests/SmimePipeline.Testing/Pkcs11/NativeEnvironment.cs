using System.Runtime.InteropServices;

namespace SmimePipeline.Testing.Pkcs11;

/// <summary>The C library's environment, which native modules (SoftHSM2) read with getenv(3).</summary>
internal static partial class NativeEnvironment
{
    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int SetEnv(string name, string value, int overwrite);
}
