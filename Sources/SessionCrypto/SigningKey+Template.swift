public import SessionTokens

extension SigningKey {
    /// The key a template names for itself: a PEM private key for RS256/ES256/EdDSA (which must
    /// be of that algorithm), or the shared secret's UTF-8 bytes for HS256 (at least 32 bytes, and
    /// not a PEM key: an HMAC keyed with a key's text means the algorithm was mistaken).
    public convenience init(templateKey: JWTTemplate.CustomSigningKey) throws(CryptoError) {
        if templateKey.algorithm == .hs256 {
            guard !templateKey.material.contains("-----BEGIN") else {
                throw CryptoError(.unsupportedAlgorithm, "the template's signing_key is a PEM key, not an HS256 shared secret")
            }
            try self.init(hmacSecret: Array(templateKey.material.utf8), keyID: nil)
            return
        }
        try self.init(pem: templateKey.material)
        guard algorithm == templateKey.algorithm else {
            throw CryptoError(.unsupportedAlgorithm, "the template's signing_key is a \(algorithm) key, not \(templateKey.algorithm)")
        }
    }
}
