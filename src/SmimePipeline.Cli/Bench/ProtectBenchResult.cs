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
    long InputBytes,
    long OutputBytes,
    double AllocatedBytesPerMessage,
    double AllocationPerOutputByte,
    double LargeObjectHeapBytesPerMessage,
    int Gen2Collections);
