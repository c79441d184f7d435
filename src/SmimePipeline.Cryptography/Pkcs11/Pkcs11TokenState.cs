namespace SmimePipeline.Cryptography.Pkcs11;

/// <summary>Whether a PKCS#11 token can sign right now.</summary>
public enum Pkcs11TokenState
{
    /// <summary>Not used yet: no session has been opened.</summary>
    NotConnected,

    /// <summary>Sessions are open and logged in.</summary>
    Available,

    /// <summary>The module, the token or the login failed; the next use tries to reconnect.</summary>
    Unavailable,
}
