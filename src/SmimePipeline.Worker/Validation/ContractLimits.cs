namespace SmimePipeline.Worker.Validation;

/// <summary>
/// The bounds a message from the bus must stay within, whoever wrote it. Generous for real mail, small enough
/// that no single message can make a worker spend unbounded time or memory.
/// </summary>
public static class ContractLimits
{
    /// <summary>Recipients of one mail (To, Cc and Bcc together; envelope recipients of a <c>DeliverEmail</c>): 1,000.</summary>
    public const int MaxRecipients = 1_000;

    /// <summary>Attachments of one mail: 100.</summary>
    public const int MaxAttachments = 100;

    /// <summary>Extra headers of one mail: 50.</summary>
    public const int MaxHeaders = 50;

    /// <summary>An address (RFC 5321 §4.5.3.1.3: a path is at most 256 octets with its angle brackets): 254 characters.</summary>
    public const int MaxAddressLength = 254;

    /// <summary>The local part of an address (RFC 5321 §4.5.3.1.1): 64 characters.</summary>
    public const int MaxLocalPartLength = 64;

    /// <summary>A display name: 256 characters.</summary>
    public const int MaxDisplayNameLength = 256;

    /// <summary>A Subject: 998 characters (RFC 5322 §2.1.1's line limit; the composer folds it).</summary>
    public const int MaxSubjectLength = 998;

    /// <summary>An extra header's name: 76 characters; its value: 998.</summary>
    public const int MaxHeaderNameLength = 76;

    /// <summary>An extra header's value: 998 characters.</summary>
    public const int MaxHeaderValueLength = 998;

    /// <summary>An attachment's file name: 255 characters; its content type: 127.</summary>
    public const int MaxFileNameLength = 255;

    /// <summary>An attachment's content type (<c>type/subtype</c>): 127 characters.</summary>
    public const int MaxContentTypeLength = 127;

    /// <summary>A <c>DeliverEmail.Attempt</c> count: 1,000 (the retry ladder has a handful of steps).</summary>
    public const int MaxAttempt = 1_000;
}
