public import SessionTokens

/// A private key that signs tokens for exactly one algorithm.
///
/// Opaque by design: `description` shows only the algorithm and `kid`, and the private half
/// leaves the process only through the explicitly named `privateKeyPEM()`.
public final class SigningKey: JWSSigner, Sendable, CustomStringConvertible {
    public let algorithm: JWSAlgorithm
    public let keyID: String?
    public let signatureLength: Int
    /// The matching public key (for HS256, the same secret).
    public let verificationKey: VerificationKey
    /// `BASE64URL({"alg":…,"kid":…,"typ":"JWT"})`, built once: every token this key signs starts with it.
    public let encodedHeader: [UInt8]
    private let engine: SignatureEngine
    private let pkey: PKey?

    private init(algorithm: JWSAlgorithm, verificationKey: VerificationKey, engine: SignatureEngine, pkey: PKey?) {
        self.algorithm = algorithm
        self.keyID = verificationKey.keyID
        self.signatureLength = engine.signatureLength
        self.verificationKey = verificationKey
        self.engine = engine
        self.pkey = pkey
        var header: [UInt8] = []
        Base64URL.encode(JOSEHeader(algorithm: algorithm, keyID: verificationKey.keyID).serialized(), into: &header)
        self.encodedHeader = header
    }

    private convenience init(privateKey key: PKey, keyID: String?) throws(CryptoError) {
        guard key.hasPrivateKey else { throw CryptoError(.invalidKey, "a signing key needs the private half") }
        let verification = try VerificationKey(publicKey: key, algorithm: nil, keyID: keyID)
        let engine = SignatureEngine(key: key, kind: try key.kind(), canSign: true)
        self.init(algorithm: verification.algorithm, verificationKey: verification, engine: engine, pkey: key)
    }

    /// A key from a PEM private key (PKCS#8 or traditional). The `kid` defaults to the RFC 7638 thumbprint.
    public convenience init(pem: String, keyID: String? = nil) throws(CryptoError) {
        try self.init(privateKey: PKey.load(pem: pem), keyID: keyID)
    }

    /// A key from a private JWK (RSA, P-256, Ed25519, or `oct` for HS256).
    public convenience init(jwk: JWK) throws(CryptoError) {
        if jwk.keyType == .oct {
            guard let k = jwk.k, let secret = Base64URL.decode(k) else { throw CryptoError(.invalidKey, "oct JWK needs a base64url k") }
            try self.init(hmacSecret: secret, keyID: jwk.keyID)
            return
        }
        do { _ = try jwk.resolvedAlgorithm() } catch { throw CryptoError(.invalidKey, error.reason) }
        try self.init(privateKey: PKey.from(jwk: jwk), keyID: jwk.keyID)
    }

    /// An HS256 key, for a template's own signing key. At least 32 bytes.
    public convenience init(hmacSecret secret: [UInt8], keyID: String?) throws(CryptoError) {
        let verification = try VerificationKey(hmacSecret: secret, keyID: keyID)
        self.init(algorithm: .hs256, verificationKey: verification, engine: verification.engine, pkey: nil)
    }

    /// A fresh key pair: RSA 2048 for RS256, P-256 for ES256, Ed25519 for EdDSA.
    public static func generate(_ algorithm: JWSAlgorithm) throws(CryptoError) -> SigningKey {
        switch algorithm {
        case .rs256: return try SigningKey(privateKey: PKey.generate(.rsa), keyID: nil)
        case .es256: return try SigningKey(privateKey: PKey.generate(.p256), keyID: nil)
        case .edDSA: return try SigningKey(privateKey: PKey.generate(.ed25519), keyID: nil)
        case .hs256:
            let secret = try SecureRandom().bytes(32)
            return try SigningKey(hmacSecret: secret, keyID: nil)
        }
    }

    /// The private key as unencrypted PKCS#8 PEM, for writing a key file with restrictive permissions.
    public func privateKeyPEM() throws(CryptoError) -> String {
        guard let pkey else { throw CryptoError(.unsupportedAlgorithm, "an HMAC secret has no PEM form") }
        return try pkey.privateKeyPEM()
    }

    /// The public key as SPKI PEM (what `jwt_key`-style verifiers such as Clerk's SDK take).
    public func publicKeyPEM() throws(CryptoError) -> String {
        guard let pkey else { throw CryptoError(.unsupportedAlgorithm, "an HMAC secret has no public key") }
        return try pkey.publicKeyPEM()
    }

    public func sign(_ signingInput: UnsafeRawBufferPointer) throws -> [UInt8] {
        try engine.sign(signingInput)
    }

    /// Signs a claims set into a compact JWT with this key's header (`alg`, `kid`, `typ: JWT`).
    ///
    /// The token is built in the string's own storage: header, payload and signature are encoded
    /// in place and the signature covers the bytes already written, so nothing is copied twice.
    public func mint(_ claims: JWTClaims) throws(CryptoError) -> String {
        var failure: CryptoError?
        // The payload is serialised into temporary memory and the signature made on the stack:
        // the token string is the only allocation.
        var token = ""
        claims.withSerialized { payload in
            let inputLength = encodedHeader.count + 1 + Base64URL.encodedLength(payload.count)
            let total = inputLength + 1 + Base64URL.encodedLength(signatureLength)
            token = String(unsafeUninitializedCapacity: total) { buffer -> Int in
                let base = buffer.baseAddress!
                encodedHeader.withUnsafeBufferPointer { base.update(from: $0.baseAddress!, count: $0.count) }
                base[encodedHeader.count] = UInt8(ascii: ".")
                Base64URL.encode(payload, to: base + encodedHeader.count + 1)
                return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: signatureLength) { signature -> Int in
                    do throws(CryptoError) {
                        try engine.sign(UnsafeRawBufferPointer(start: base, count: inputLength), into: signature.baseAddress!)
                    } catch {
                        failure = error
                        return 0
                    }
                    base[inputLength] = UInt8(ascii: ".")
                    Base64URL.encode(UnsafeRawBufferPointer(signature), to: base + inputLength + 1)
                    return total
                }
            }
        }
        if let failure { throw failure }
        return token
    }

    public var description: String { "SigningKey(\(algorithm), kid: \(keyID ?? "-"))" }
}
