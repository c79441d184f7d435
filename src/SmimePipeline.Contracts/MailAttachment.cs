namespace SmimePipeline.Contracts;

/// <summary>A file attached to a mail.</summary>
/// <param name="FileName">The file name offered to the recipient.</param>
/// <param name="ContentType">The MIME type, e.g. <c>application/pdf</c>.</param>
/// <param name="Content">The file's bytes.</param>
public sealed record MailAttachment(string FileName, string ContentType, byte[] Content);
