namespace SmimePipeline.Cli.Bench;

/// <summary>
/// The crypto floor run on as many threads as the protect measurement, right after it (<see cref="CryptoFloor.MeasureThreads"/>):
/// its rate on 2 threads over its rate on 1 is how far this machine scales the cryptography itself, the ceiling for the
/// protect stage's own 2-thread ratio measured in the same run.
/// </summary>
/// <param name="Threads">Threads running the floor at once.</param>
/// <param name="MessagesPerSecond">Floors (one message's cryptography) per wall second, all threads.</param>
/// <param name="ThreadUse">How the floor's threads used the CPUs; null where the kernel does not say.</param>
internal sealed record CryptoFloorThroughput(int Threads, double MessagesPerSecond, ThreadUse? ThreadUse);
