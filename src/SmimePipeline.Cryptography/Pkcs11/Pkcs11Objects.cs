using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace SmimePipeline.Cryptography.Pkcs11;

/// <summary>Finds the objects a <c>pkcs11:</c> URI names (by <c>CKA_LABEL</c> and/or <c>CKA_ID</c>).</summary>
internal static class Pkcs11Objects
{
    public static List<IObjectHandle> Find(ISession session, Pkcs11Uri uri, CKO objectClass)
    {
        var factory = session.Factories.ObjectAttributeFactory;
        var template = new List<IObjectAttribute> { factory.Create(CKA.CKA_CLASS, objectClass) };
        if (uri.ObjectLabel is { } label)
        {
            template.Add(factory.Create(CKA.CKA_LABEL, label));
        }

        if (uri.Id is { } id)
        {
            template.Add(factory.Create(CKA.CKA_ID, id.ToArray()));
        }

        return session.FindAllObjects(template);
    }

    /// <summary>The certificate (<c>CKA_VALUE</c>, DER) stored next to the key under the same id/label, or <see langword="null"/>.</summary>
    public static byte[]? FindCertificate(ISession session, Pkcs11Uri uri)
    {
        var handles = Find(session, uri, CKO.CKO_CERTIFICATE);
        if (handles.Count == 0)
        {
            return null;
        }

        return session.GetAttributeValue(handles[0], [CKA.CKA_VALUE])[0].GetValueAsByteArray();
    }

    /// <summary>Reads boolean attributes of an object.</summary>
    public static Dictionary<CKA, bool> ReadFlags(ISession session, IObjectHandle handle, params CKA[] attributes)
    {
        var values = session.GetAttributeValue(handle, [.. attributes]);
        var result = new Dictionary<CKA, bool>();
        for (int i = 0; i < attributes.Length; i++)
        {
            result[attributes[i]] = !values[i].CannotBeRead && values[i].GetValueAsBool();
        }

        return result;
    }
}
