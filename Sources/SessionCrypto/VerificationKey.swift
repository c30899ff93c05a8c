public import SessionTokens

/// A key that checks signatures for exactly one algorithm.
///
/// The algorithm is pinned when the key is built (from the JWK's `alg`, or the one algorithm
/// its type allows), so a token can never choose how it is verified. RSA keys under 2048 bits,
/// off-curve EC points and HMAC secrets under 256 bits are refused.
public final class VerificationKey: Sendable, CustomStringConvertible {
    public let algorithm: JWSAlgorithm
    /// The `kid` tokens must name: the JWK's own `kid`, or else its RFC 7638 thumbprint.
    public let keyID: String
    /// The public JWK to publish (with `kid`, `alg`, `use`); `nil` for an HMAC secret, which is never published.
    public let publicJWK: JWK?
    let engine: SignatureEngine

    init(algorithm: JWSAlgorithm, keyID: String, publicJWK: JWK?, engine: SignatureEngine) {
        self.algorithm = algorithm
        self.keyID = keyID
        self.publicJWK = publicJWK
        self.engine = engine
    }

    /// A key from a JWK (public or private; only the public half is used). An `oct` JWK becomes
    /// an HS256 key.
    public convenience init(jwk: JWK) throws(CryptoError) {
        let algorithm: JWSAlgorithm
        do { algorithm = try jwk.resolvedAlgorithm() } catch { throw CryptoError(.invalidKey, error.reason) }
        if jwk.keyType == .oct {
            guard let k = jwk.k, let secret = Base64URL.decode(k) else { throw CryptoError(.invalidKey, "oct JWK needs a base64url k") }
            try self.init(hmacSecret: secret, keyID: jwk.keyID)
            return
        }
        let key = try PKey.from(jwk: jwk.publicKey)
        try self.init(publicKey: key, algorithm: algorithm, keyID: jwk.keyID)
    }

    /// A key from PEM (a private key's public half is used).
    public convenience init(pem: String, keyID: String? = nil) throws(CryptoError) {
        let key = try PKey.load(pem: pem)
        try self.init(publicKey: key, algorithm: nil, keyID: keyID)
    }

    /// An HS256 key. The secret must be at least 32 bytes (RFC 7518 §3.2).
    public convenience init(hmacSecret secret: [UInt8], keyID: String?) throws(CryptoError) {
        guard secret.count >= 32 else { throw CryptoError(.invalidKey, "an HS256 secret must be at least 32 bytes") }
        var jwk = JWK(keyType: .oct)
        jwk.k = Base64URL.encode(secret)
        let kid: String
        if let keyID { kid = keyID } else { kid = try Thumbprint.of(jwk) }
        self.init(algorithm: .hs256, keyID: kid, publicJWK: nil, engine: SignatureEngine(hmacSecret: secret))
    }

    convenience init(publicKey key: PKey, algorithm requested: JWSAlgorithm?, keyID: String?) throws(CryptoError) {
        let kind = try key.kind()
        let algorithm = try Self.algorithm(for: kind, requested: requested)
        if kind == .rsa, key.bits < 2048 { throw CryptoError(.invalidKey, "RSA keys must have at least 2048 bits, got \(key.bits)") }
        if kind == .rsa { try Self.checkRSAExponent(key) }
        var jwk = try key.publicJWK()
        let kid: String
        if let keyID { kid = keyID } else { kid = try Thumbprint.of(jwk) }
        jwk.keyID = kid
        jwk.algorithm = algorithm.rawValue
        jwk.use = "sig"
        self.init(algorithm: algorithm, keyID: kid, publicJWK: jwk, engine: SignatureEngine(key: key, kind: kind, canSign: false))
    }

    static func algorithm(for kind: PKey.Kind, requested: JWSAlgorithm?) throws(CryptoError) -> JWSAlgorithm {
        let implied: JWSAlgorithm
        switch kind {
        case .rsa: implied = .rs256
        case .p256: implied = .es256
        case .ed25519: implied = .edDSA
        }
        if let requested, requested != implied {
            throw CryptoError(.unsupportedAlgorithm, "a \(kind) key cannot be used for \(requested)")
        }
        return implied
    }

    /// An RSA public exponent must be odd and greater than 1 (e = 1 makes "signatures" trivial).
    static func checkRSAExponent(_ key: PKey) throws(CryptoError) {
        guard let e = try key.publicJWK().e, let bytes = Base64URL.decode(e), let last = bytes.last else {
            throw CryptoError(.invalidKey, "RSA key has no public exponent")
        }
        let isOne = bytes.dropLast().allSatisfy { $0 == 0 } && last == 1
        guard last & 1 == 1, !isOne else { throw CryptoError(.invalidKey, "RSA public exponent must be odd and greater than 1") }
    }

    /// Whether `signature` (JWS form) is a valid signature of `signingInput` under this key.
    @inlinable
    public func isValidSignature(_ signature: UnsafeRawBufferPointer, for signingInput: UnsafeRawBufferPointer) -> Bool {
        verify(signature, signingInput)
    }

    public func isValidSignature(_ signature: [UInt8], for signingInput: [UInt8]) -> Bool {
        signature.withUnsafeBytes { sig in signingInput.withUnsafeBytes { verify(sig, $0) } }
    }

    @usableFromInline
    func verify(_ signature: UnsafeRawBufferPointer, _ input: UnsafeRawBufferPointer) -> Bool {
        engine.verify(signature, for: input)
    }

    public var description: String { "VerificationKey(\(algorithm), kid: \(keyID))" }
}
