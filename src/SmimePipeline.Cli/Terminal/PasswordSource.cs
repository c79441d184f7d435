using System.Text;
using SmimePipeline.Cli.Commands;

namespace SmimePipeline.Cli.Terminal;

/// <summary>
/// Reads a PKCS#12 password from the environment, standard input or a hidden prompt; never from a
/// command-line argument, which every user of the machine can read in <c>ps</c>.
/// </summary>
internal static class PasswordSource
{
    public const string EnvironmentVariable = "SMIME_PKCS12_PASSWORD";

    public static string Read(bool fromStandardInput, string prompt) => Read(fromStandardInput, prompt, EnvironmentVariable, "password", "--password-stdin");

    /// <summary>Reads a secret (a PKCS#12 password, a PKCS#11 PIN): standard input, else the variable, else a hidden prompt.</summary>
    public static string Read(bool fromStandardInput, string prompt, string environmentVariable, string what, string stdinOption)
    {
        if (fromStandardInput)
        {
            return Console.In.ReadLine() ?? throw new CliException($"{stdinOption} was given but standard input is empty.");
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(environmentVariable);
        if (fromEnvironment is not null)
        {
            return fromEnvironment;
        }

        if (Console.IsInputRedirected)
        {
            throw new CliException($"No {what}: set {environmentVariable}, pass {stdinOption}, or run in a terminal to be prompted.");
        }

        Console.Error.Write(prompt);
        var password = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (password.Length > 0)
                {
                    password.Length--;
                }

                continue;
            }

            password.Append(key.KeyChar);
        }

        Console.Error.WriteLine();
        return password.ToString();
    }
}
