namespace SmimePipeline.Contracts;

/// <summary>A mailbox: an RFC 5321 address and an optional display name.</summary>
/// <param name="Address">The address, e.g. <c>alice@bank.example</c>.</param>
/// <param name="DisplayName">The display name shown by mail clients, or <see langword="null"/>.</param>
public sealed record MailAddress(string Address, string? DisplayName = null);
