using System.Text.Json;
using System.Text.Json.Serialization;
using SmimePipeline.Contracts;

namespace SmimePipeline.Messaging;

/// <summary>
/// System.Text.Json's generated (reflection-free) reader and writer of the manifest and the policy header, as strict as
/// the bus deserves: names as written (camelCase, case-sensitive), no unknown field, no field given twice, at most
/// <see cref="ProtectCommandBinaryFormat.MaxManifestDepth"/> levels deep, enums by name.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false,
    MaxDepth = ProtectCommandBinaryFormat.MaxManifestDepth,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ProtectEmailManifest))]
[JsonSerializable(typeof(SecurityPolicy))]
internal sealed partial class ProtectCommandJsonContext : JsonSerializerContext
{
    /// <summary>Whether <paramref name="exception"/> says a property appeared twice.</summary>
    public static bool IsDuplicate(JsonException exception) =>
        exception.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase);
}
