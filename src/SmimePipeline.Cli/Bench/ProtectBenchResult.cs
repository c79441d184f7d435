namespace SmimePipeline.Cli.Bench;

/// <summary>One measured configuration of the protect stage.</summary>
/// <param name="Engine"><c>smimepipeline</c> or <c>mimekit</c>.</param>
/// <param name="Message">small, standard or large.</param>
/// <param name="Key">rsa2048, rsa3072 or p256.</param>
/// <param name="Cipher">aes256-cbc or aes256-gcm.</param>
/// <param name="Threads">Threads protecting at once.</param>
/// <param name="Seconds">Measured wall time (after warm-up).</param>
/// <param name="Messages">Messages protected in that time.</param>
/// <param name="MessagesPerSecond">Throughput.</param>
/// <param name="MicrosecondsPerMessage">Thread time per message: Threads × Seconds / Messages, in µs.</param>
/// <param name="CryptoFloor">
/// The cryptography one message cannot avoid, timed in the same process on the same core (<see cref="Bench.CryptoFloor"/>);
/// MicrosecondsPerMessage minus its Microseconds is our own work. Null for the baseline.
/// </param>
/// <param name="InputBytes">The unprotected message as RFC 5322 bytes.</param>
/// <param name="OutputBytes">The protected message.</param>
/// <param name="AllocatedBytesPerMessage">Managed bytes allocated per message, all threads.</param>
/// <param name="AllocationPerOutputByte">AllocatedBytesPerMessage / OutputBytes.</param>
/// <param name="LargeObjectHeapBytesPerMessage">Bytes allocated on the large object heap per message.</param>
/// <param name="Gen2Collections">Full collections during the measurement.</param>
internal sealed record ProtectBenchResult(
    string Engine,
    string Message,
    string Key,
    string Cipher,
    int Threads,
    double Seconds,
    long Messages,
    double MessagesPerSecond,
    double MicrosecondsPerMessage,
    CryptoFloorResult? CryptoFloor,
    long InputBytes,
    long OutputBytes,
    double AllocatedBytesPerMessage,
    double AllocationPerOutputByte,
    double LargeObjectHeapBytesPerMessage,
    int Gen2Collections)
{
    /// <summary>
    /// Own work timed in alternating protect/floor slices on one thread (<see cref="Bench.PairedOwnWork"/>); null with
    /// more than one thread, for the baseline, and for a key in a PKCS#11 token.
    /// </summary>
    public PairedOwnWork? PairedOwnWork { get; init; }

    /// <summary>
    /// Own work timed by the thread's CPU clock in short alternating slices, descheduled pairs set aside
    /// (<see cref="Bench.OwnWorkByCpuTime"/>): target 3's figure since session 14; null where <see cref="PairedOwnWork"/> is,
    /// and off Linux.
    /// </summary>
    public OwnWorkByCpuTime? OwnWorkByCpuTime { get; init; }

    /// <summary>What the GC did per message during the throughput measurement, and the gen-0 budget it ran with.</summary>
    public ProtectGcFigures? Gc { get; init; }

    /// <summary>How the measurement's threads used the CPUs (<see cref="Bench.ThreadUse"/>); null where the kernel does not say.</summary>
    public ThreadUse? ThreadUse { get; init; }

    /// <summary>The crypto floor on <see cref="Threads"/> threads, measured after ours; null for the baseline and a token's key.</summary>
    public CryptoFloorThroughput? FloorThroughput { get; init; }
}
