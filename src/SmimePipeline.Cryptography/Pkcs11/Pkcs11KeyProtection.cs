namespace SmimePipeline.Cryptography.Pkcs11;

/// <summary>How a token protects a private key, as its attributes say.</summary>
/// <param name="Sensitive"><c>CKA_SENSITIVE</c>: the key's value cannot be read.</param>
/// <param name="Extractable"><c>CKA_EXTRACTABLE</c>: the key can be wrapped out of the token.</param>
/// <param name="NeverExtractable"><c>CKA_NEVER_EXTRACTABLE</c>: it never could.</param>
public sealed record Pkcs11KeyProtection(bool Sensitive, bool Extractable, bool NeverExtractable);
