namespace SmimePipeline.Worker.Configuration;

/// <summary>How the signer sends <c>DeliverEmail</c> to the sender role (<c>SmimePipeline:Signer:DeliverEmailFormat</c>).</summary>
public enum DeliverEmailFormat
{
    /// <summary>
    /// The default: the body is the protected mail's bytes, the other fields travel in transport headers
    /// (<c>application/vnd.smimepipeline.deliver-email; v=1</c>). Senders of this version read it; senders of
    /// earlier versions cannot (they move it to <c>smime-deliver_error</c>, see the README's upgrade notes).
    /// </summary>
    Binary = 0,

    /// <summary>MassTransit's JSON envelope with the content in base64, as every earlier version sent it.</summary>
    Json = 1,
}
