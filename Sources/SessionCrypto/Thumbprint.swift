public import SessionTokens

/// RFC 7638 JWK thumbprints: base64url(SHA-256(canonical public members)). Tessera's `kid`s.
public enum Thumbprint {
    public static func of(_ jwk: JWK) throws(CryptoError) -> String {
        let input: [UInt8]
        do { input = try jwk.thumbprintInput() } catch { throw CryptoError(.invalidKey, error.reason) }
        return Base64URL.encode(SHA256.hash(input))
    }
}
