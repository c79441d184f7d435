using System.Globalization;
using System.Security.Cryptography;

namespace SmimePipeline.Testing.Pkcs11;

/// <summary>
/// SoftHSM2 (Debian's <c>softhsm2</c>) for tests: one private token directory per test process (SoftHSM reads
/// <c>SOFTHSM2_CONF</c> once, when the module is first loaded, so the variable is set for the whole process before
/// that), tokens initialised and keys generated inside them with <c>softhsm2-util</c> and OpenSC's
/// <c>pkcs11-tool</c>. Keys made this way are CKA_SENSITIVE and never extractable. A missing tool fails the test.
/// </summary>
public static class SoftHsm
{
    /// <summary>Debian's SoftHSM2 module.</summary>
    public const string ModulePath = "/usr/lib/softhsm/libsofthsm2.so";

    /// <summary>The user PIN of every test token (test data, not a secret).</summary>
    public const string UserPin = "246810";

    /// <summary>The security officer PIN of every test token.</summary>
    public const string SoPin = "13579111";

    private static readonly Lazy<string> SharedDirectory = new(CreateDirectory, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The process's token directory (created, and <c>SOFTHSM2_CONF</c> set, on first use).</summary>
    public static string TokenDirectory => Path.Combine(SharedDirectory.Value, "tokens");

    /// <summary>The SoftHSM2 configuration file of this process.</summary>
    public static string ConfigPath => Path.Combine(SharedDirectory.Value, "softhsm2.conf");

    /// <summary>The environment the command-line tools (and child processes that load the module) need.</summary>
    public static IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string> { ["SOFTHSM2_CONF"] = ConfigPath };

    /// <summary>Initialises a new token with a unique label (prefix + random suffix) and <see cref="UserPin"/>.</summary>
    /// <param name="prefix">The label's prefix (labels are at most 32 characters).</param>
    /// <returns>The token's label.</returns>
    public static async Task<string> CreateTokenAsync(string prefix)
    {
        string label = prefix + "-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        var result = await ExternalTool.RunAsync(
            Require("softhsm2-util"),
            ["--init-token", "--free", "--label", label, "--so-pin", SoPin, "--pin", UserPin],
            environment: Environment);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("softhsm2-util --init-token failed: " + result.Describe());
        }

        return label;
    }

    /// <summary>
    /// Generates a key pair inside the token (<c>pkcs11-tool --keypairgen</c>: sensitive, not extractable) and
    /// returns its public key as DER SubjectPublicKeyInfo, or <see langword="null"/> when <c>pkcs11-tool</c> cannot
    /// export it (OpenSC 0.23 fails to export P-384 public keys: read CKA_EC_POINT instead).
    /// </summary>
    /// <param name="token">The token's label.</param>
    /// <param name="keyType"><c>rsa:2048</c>, <c>EC:prime256v1</c>, <c>EC:secp384r1</c>.</param>
    /// <param name="label">The key's CKA_LABEL.</param>
    /// <param name="id">The key's CKA_ID.</param>
    /// <param name="decrypt">Also allow decryption (CKA_DECRYPT) with the private key: an RSA key that opens mail encrypted to it.</param>
    /// <returns>The public key.</returns>
    public static async Task<byte[]?> GenerateKeyPairAsync(string token, string keyType, string label, byte id, bool decrypt = false)
    {
        string idHex = id.ToString("x2", CultureInfo.InvariantCulture);
        string[] arguments = ["--token-label", token, "--login", "--pin", UserPin, "--keypairgen", "--key-type", keyType, "--label", label, "--id", idHex, "--usage-sign"];
        await RunToolAsync(decrypt ? [.. arguments, "--usage-decrypt"] : arguments);
        var exported = await ExternalTool.RunAsync(
            Require("pkcs11-tool"), ["--module", ModulePath, "--token-label", token, "--read-object", "--type", "pubkey", "--id", idHex], environment: Environment);
        return exported.ExitCode == 0 ? exported.Stdout : null;
    }

    /// <summary>Stores a certificate (DER) in the token next to the key with the same label and id.</summary>
    /// <param name="token">The token's label.</param>
    /// <param name="certificate">The DER certificate.</param>
    /// <param name="label">CKA_LABEL.</param>
    /// <param name="id">CKA_ID.</param>
    public static async Task WriteCertificateAsync(string token, byte[] certificate, string label, byte id)
    {
        string file = Path.Combine(SharedDirectory.Value, Guid.NewGuid().ToString("N") + ".der");
        await File.WriteAllBytesAsync(file, certificate);
        try
        {
            await RunToolAsync("--token-label", token, "--login", "--pin", UserPin, "--write-object", file, "--type", "cert", "--label", label, "--id", id.ToString("x2", CultureInfo.InvariantCulture));
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Lists the token's private keys as <c>pkcs11-tool</c> prints them (access flags included).</summary>
    /// <param name="token">The token's label.</param>
    /// <returns>The listing.</returns>
    public static async Task<string> ListPrivateKeysAsync(string token) =>
        (await RunToolAsync("--token-label", token, "--login", "--pin", UserPin, "--list-objects", "--type", "privkey")).StdoutText;

    private static async Task<ToolResult> RunToolAsync(params string[] args)
    {
        var result = await ExternalTool.RunAsync(Require("pkcs11-tool"), ["--module", ModulePath, .. args], environment: Environment);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"pkcs11-tool {string.Join(' ', args.Where(a => a != UserPin))} failed: exit code {result.ExitCode}: {result.Stderr}");
        }

        return result;
    }

    private static string Require(string tool) =>
        ExternalTool.Require(tool, "Install Debian's 'softhsm2' and 'opensc' (scripts/test.sh does).");

    private static string CreateDirectory()
    {
        if (!File.Exists(ModulePath))
        {
            throw new InvalidOperationException($"{ModulePath} is missing: install Debian's 'softhsm2' (scripts/test.sh does).");
        }

        string root = Directory.CreateTempSubdirectory("smime-softhsm-").FullName;
        Directory.CreateDirectory(Path.Combine(root, "tokens"));
        File.WriteAllText(
            Path.Combine(root, "softhsm2.conf"),
            $"directories.tokendir = {Path.Combine(root, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n");
        // SoftHSM reads the variable with getenv(3) when the module initialises; .NET's SetEnvironmentVariable
        // changes only the managed copy, so the native environment is set too (and child processes inherit both).
        string config = Path.Combine(root, "softhsm2.conf");
        System.Environment.SetEnvironmentVariable("SOFTHSM2_CONF", config);
        if (NativeEnvironment.SetEnv("SOFTHSM2_CONF", config, 1) != 0)
        {
            throw new InvalidOperationException("setenv(SOFTHSM2_CONF) failed.");
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        };
        return root;
    }
}
