using System.Security.Cryptography;

namespace SmimePipeline.Testing;

/// <summary>
/// A random certificate or CRL-entry serial number that .NET's builders accept: 8 big-endian bytes whose first byte is
/// 0x01–0x7F, so the DER INTEGER is positive and has no redundant leading byte. Plain random bytes are refused by
/// <c>CertificateRevocationListBuilder.AddEntry</c> about one time in 256 (a leading 0x00 before a byte below 0x80, or
/// 0xFF before one above), which made a CRL test fail at random in CI.
/// </summary>
public static class RandomSerialNumber
{
    /// <summary>Returns a new random, positive, minimally encoded serial number of 8 bytes.</summary>
    public static byte[] Create()
    {
        var serial = RandomNumberGenerator.GetBytes(8);
        serial[0] = (byte)(1 + (serial[0] % 0x7F));
        return serial;
    }
}
