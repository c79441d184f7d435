using MassTransit;

namespace SmimePipeline.Messaging;

/// <summary>
/// What MassTransit's JSON envelope carries and its transport does not: the transport itself writes the message and
/// correlation ids into the AMQP properties and the trace context into the headers; these go into headers, where
/// MassTransit's raw readers find them again.
/// </summary>
internal static class EnvelopeHeaders
{
    /// <summary>Copies the conversation, initiator and request ids and the source, response and fault addresses into headers.</summary>
    public static void Write(SendContext context)
    {
        var headers = context.Headers;
        if (context.ConversationId is { } conversationId)
        {
            headers.Set(MessageHeaders.ConversationId, conversationId.ToString("D"));
        }

        if (context.InitiatorId is { } initiatorId)
        {
            headers.Set(MessageHeaders.InitiatorId, initiatorId.ToString("D"));
        }

        if (context.RequestId is { } requestId)
        {
            headers.Set(MessageHeaders.RequestId, requestId.ToString("D"));
        }

        if (context.SourceAddress is { } source)
        {
            headers.Set(MessageHeaders.SourceAddress, source.ToString());
        }

        if (context.ResponseAddress is { } response)
        {
            headers.Set(MessageHeaders.ResponseAddress, response.ToString());
        }

        if (context.FaultAddress is { } fault)
        {
            headers.Set(MessageHeaders.FaultAddress, fault.ToString());
        }
    }
}
