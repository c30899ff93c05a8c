public import SessionTokens

/// The service's keys: one active signing key per algorithm, plus retired keys that are still
/// published so tokens they signed keep verifying until they expire.
public struct KeyRing: Sendable {
    public let signingKeys: [JWSAlgorithm: SigningKey]
    public let retired: [VerificationKey]
    /// The algorithm used when a caller names none (RS256 when present: what Clerk's SDKs accept).
    public let defaultAlgorithm: JWSAlgorithm

    public init(signingKeys: [SigningKey], retired: [VerificationKey] = [], defaultAlgorithm: JWSAlgorithm? = nil) throws(CryptoError) {
        var byAlgorithm: [JWSAlgorithm: SigningKey] = [:]
        for key in signingKeys {
            guard byAlgorithm[key.algorithm] == nil else {
                throw CryptoError(.keyStorage, "two active \(key.algorithm) keys; retire one")
            }
            byAlgorithm[key.algorithm] = key
        }
        guard !byAlgorithm.isEmpty else { throw CryptoError(.keyStorage, "a key ring needs at least one signing key") }
        let chosen = defaultAlgorithm ?? (byAlgorithm[.rs256] != nil ? .rs256 : byAlgorithm.keys.sorted { $0.rawValue < $1.rawValue }[0])
        guard byAlgorithm[chosen] != nil else { throw CryptoError(.keyStorage, "no active \(chosen) key") }
        var kids = Set(byAlgorithm.values.map(\.verificationKey.keyID))
        for key in retired where !kids.insert(key.keyID).inserted {
            throw CryptoError(.keyStorage, "kid \(key.keyID) appears twice in the key ring")
        }
        self.signingKeys = byAlgorithm
        self.retired = retired
        self.defaultAlgorithm = chosen
    }

    /// The active key for the default algorithm.
    public var active: SigningKey { signingKeys[defaultAlgorithm]! }

    public func signingKey(for algorithm: JWSAlgorithm) -> SigningKey? { signingKeys[algorithm] }

    /// Every key that verifies: active ones first (in algorithm order), then retired ones.
    public var verificationKeys: [VerificationKey] {
        JWSAlgorithm.allCases.compactMap { signingKeys[$0]?.verificationKey } + retired
    }

    public func verificationKey(keyID: String) -> VerificationKey? {
        verificationKeys.first { $0.keyID == keyID }
    }

    /// The published key set: public halves of asymmetric keys only.
    public var jwks: JWKS { JWKS(keys: verificationKeys.compactMap(\.publicJWK)) }
}
