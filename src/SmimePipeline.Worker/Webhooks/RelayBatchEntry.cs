using SmimePipeline.Contracts;

namespace SmimePipeline.Worker.Webhooks;

/// <summary>One entry of a SparkPost relay batch after validation: the harvest command, or why it was dropped.</summary>
/// <param name="Index">The entry's position in the batch.</param>
/// <param name="Harvest">The command to enqueue; null when the entry was dropped.</param>
/// <param name="DropReason">A stable reason code when dropped (<c>not-relay-message</c>, <c>no-content</c>, <c>bad-base64</c>, <c>too-large</c>, <c>bad-envelope</c>).</param>
/// <param name="DropDetail">What was wrong, naming the field; never the content.</param>
public sealed record RelayBatchEntry(int Index, HarvestCertificate? Harvest, string? DropReason, string? DropDetail);
