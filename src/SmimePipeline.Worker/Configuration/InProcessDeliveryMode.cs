namespace SmimePipeline.Worker.Configuration;

/// <summary>
/// Whether a worker that runs both roles makes a freshly protected mail's first delivery attempt in the signer's own
/// process (<c>Signer:DeliverInProcess</c>, issue 17, session 12), and when it takes a delivery place for it.
/// </summary>
public enum InProcessDeliveryMode
{
    /// <summary>Every mail goes to the sender role through <c>smime-deliver</c>, as before session 12.</summary>
    Off,

    /// <summary>In process only when one of the sender's delivery places is free at that moment; otherwise <c>smime-deliver</c>.</summary>
    FreePlace,

    /// <summary>
    /// In process, waiting for a delivery place in turn with the mails from <c>smime-deliver</c>, as long as the signer's
    /// mails in their in-process attempt or waiting for its place leave one place of the signer's window
    /// (<c>Signer:InFlight</c>) per protect slot to protection; beyond that, <c>smime-deliver</c>.
    /// </summary>
    WaitForPlace,
}
