using Microsoft.Extensions.Options;
using SmimePipeline.Worker.Concurrency;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// How many mails are composed and protected at once: <c>Signer:Concurrency</c>, one per core by default,
/// because that work is CPU-bound. The signer endpoints hold more mails than that (<c>Signer:InFlight</c>),
/// so that while some wait for the broker to confirm their hand-over, others use the cores. A slot is held
/// only for the CPU-bound part, so a large mail never holds one while it waits on the broker or the claim check.
/// <para>
/// Small mails go first (issue 17, target 2; <see cref="SizeOrderedSlots"/>): large mails hold at most
/// <see cref="SizeOrderedSlots.LargeLimit"/> slots at once (<c>Signer:LargeMailSlots</c>, default <c>max(1, Count − 1)</c>),
/// so that with two or more slots a small mail never waits for a large one's 80 ms of protection.
/// </para>
/// </summary>
/// <param name="options">Slots as <c>SmimePipeline:Signer</c> configures them (<see cref="SignerOptions.EffectiveConcurrency"/>,
/// <see cref="SignerOptions.EffectiveLargeMailSlots"/>).</param>
public sealed class ProtectionSlots(IOptions<SmimePipelineOptions> options)
    : SizeOrderedSlots(Options(options).Signer.EffectiveConcurrency, Options(options).Signer.EffectiveLargeMailSlots)
{
    private static SmimePipelineOptions Options(IOptions<SmimePipelineOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Value;
    }
}
