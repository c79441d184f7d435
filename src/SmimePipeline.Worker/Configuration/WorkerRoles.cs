namespace SmimePipeline.Worker.Configuration;

/// <summary>
/// Which consumers a worker runs. Signers hold private keys and are CPU-bound; senders hold ESP
/// credentials and are I/O-bound; webhooks receive the return path (inbound signed mail, ESP events) and
/// hold neither. They scale separately.
/// </summary>
[Flags]
public enum WorkerRoles
{
    None = 0,
    Signer = 1,
    Sender = 2,
    All = Signer | Sender,

    /// <summary>
    /// The return path's HTTP endpoints (SparkPost relay and event webhooks, the raw intake): authenticates,
    /// parses and enqueues; no key material. Not part of <see cref="All"/>: it needs its tokens configured.
    /// </summary>
    Webhooks = 4,
}
