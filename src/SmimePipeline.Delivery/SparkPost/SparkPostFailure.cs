namespace SmimePipeline.Delivery.SparkPost;

/// <summary>What a SparkPost error answer means, as decided by <see cref="SparkPostErrorClassifier.ClassifyAnswer"/>.</summary>
/// <param name="Kind">Whether and when to retry.</param>
/// <param name="ErrorCode">The first SparkPost error code in the body, when it had a readable one.</param>
/// <param name="Text">The first error's message and description, or the start of the body; at most <see cref="SparkPostErrorClassifier.MaxAnswerTextLength"/> characters.</param>
/// <param name="ReasonCode">The reason code for dead-letter headers, events and metrics.</param>
public sealed record SparkPostFailure(DeliveryFailureKind Kind, int? ErrorCode, string Text, string ReasonCode);
