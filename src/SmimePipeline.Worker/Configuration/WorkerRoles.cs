namespace SmimePipeline.Worker.Configuration;

/// <summary>
/// Which consumers a worker runs. Signers hold private keys and are CPU-bound; senders hold ESP
/// credentials and are I/O-bound; they scale separately.
/// </summary>
[Flags]
public enum WorkerRoles
{
    None = 0,
    Signer = 1,
    Sender = 2,
    All = Signer | Sender,
}
