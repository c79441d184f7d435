using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Errors;

namespace SmimePipeline.Cli.Commands;

/// <summary>
/// Prints certificate warnings (e.g. revocation unknown under the lenient policy) as one line on stderr.
/// Refusals are not printed here: <see cref="CommandRunner"/> prints the one that ends the command.
/// </summary>
internal sealed class ConsoleValidationWarnings : ICertificateValidationObserver
{
    public void Refused(ProtectionRefusedException refusal)
    {
        // CommandRunner prints the refusal that ends the command; printing it here too would make two lines.
    }

    public void Warned(string address, string reasonCode, string message) => Console.Error.WriteLine($"smime: warning ({reasonCode}): {message}");
}
