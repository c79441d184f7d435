namespace SmimePipeline.Contracts;

/// <summary>
/// Event: the mail did not reach the recipient: a bounce (in band or out of band) or a policy rejection by the
/// ESP. <see cref="Hard"/> says whether retrying the address is pointless.
/// </summary>
public sealed record EmailRecipientBounced
{
    public required Guid MailId { get; init; }

    /// <summary>The recipient's address as the ESP reported it.</summary>
    public required string Recipient { get; init; }

    /// <summary>The ESP (<c>sparkpost</c>).</summary>
    public required string Provider { get; init; }

    /// <summary>The ESP's id of the transmission, when known.</summary>
    public string? ProviderMessageId { get; init; }

    /// <summary>The ESP's bounce classification (SparkPost's bounce class, e.g. 10 invalid recipient, 21 DNS failure), when given.</summary>
    public int? BounceClass { get; init; }

    /// <summary>True for a hard bounce (the address does not exist or refuses for good), false for a soft one.</summary>
    public required bool Hard { get; init; }

    /// <summary>The remote server's answer as the ESP relayed it (e.g. <c>550 5.1.1 user unknown</c>), when given.</summary>
    public string? RemoteAnswer { get; init; }

    /// <summary>When the ESP says the bounce happened.</summary>
    public required DateTimeOffset BouncedAt { get; init; }
}
