public import SessionCrypto
public import SessionTokens

/// The keys a verifier trusts, looked up by exact `kid`, or one key trusted for every token.
public struct VerifierKeys: Sendable {
    private enum Storage: Sendable {
        case byKeyID([String: VerificationKey])
        case single(VerificationKey)
    }

    private let storage: Storage
    /// The exact header bytes Tessera's own signers write for each key, `BASE64URL({"alg","kid","typ":"JWT"})`.
    /// A token whose header is byte-for-byte one of these needs no header decoding: same bytes,
    /// same parse. Kept for small key sets, where comparing beats decoding.
    let knownHeaders: KnownHeaders

    /// Keys matched by exact `kid`. Two keys with one `kid` are refused.
    public init(_ keys: [VerificationKey]) throws(CryptoError) {
        var table: [String: VerificationKey] = [:]
        for key in keys {
            guard table.updateValue(key, forKey: key.keyID) == nil else {
                throw CryptoError(.invalidKey, "two keys share kid \(key.keyID)")
            }
        }
        storage = .byKeyID(table)
        knownHeaders = KnownHeaders(keys.count <= 16 ? keys : [])
    }

    /// The usable keys of a JWKS (RSA, P-256, Ed25519 with a fitting or absent `alg`; others are
    /// skipped). At least one must be usable.
    public init(jwks: JWKS) throws(CryptoError) {
        var keys: [VerificationKey] = []
        for jwk in jwks.keys where jwk.keyType != .oct {
            if let key = try? VerificationKey(jwk: jwk) { keys.append(key) }
        }
        guard !keys.isEmpty else { throw CryptoError(.invalidKey, "the JWKS holds no usable RS256, ES256 or EdDSA key") }
        try self.init(keys)
    }

    /// No keys: every token is `unknownKeyID`.
    public static let none = VerifierKeys(storage: .byKeyID([:]))

    /// Trusts `key` whatever `kid` a token names, or none (for `sessionctl token verify --jwk`).
    public static func trusting(_ key: VerificationKey) -> VerifierKeys { VerifierKeys(storage: .single(key)) }

    private init(storage: Storage) {
        self.storage = storage
        if case .single(let key) = storage { knownHeaders = KnownHeaders([key]) } else { knownHeaders = KnownHeaders([]) }
    }

    /// The key ids, sorted (for status and logs).
    public var keyIDs: [String] {
        switch storage {
        case .single(let key): [key.keyID]
        case .byKeyID(let table): table.keys.sorted()
        }
    }

    /// The parsed header and key for a header segment that is exactly one of the known headers.
    @inline(__always)
    func knownHeader(_ segment: UnsafeBufferPointer<UInt8>) -> (JOSEHeader, VerificationKey)? {
        knownHeaders.match(segment)
    }

    @inline(__always)
    func key(for keyID: String?) -> VerificationKey? {
        switch storage {
        case .single(let key): return key
        case .byKeyID(let table):
            guard let keyID else { return nil }
            return table[keyID]
        }
    }

    public var count: Int {
        switch storage {
        case .single: 1
        case .byKeyID(let table): table.count
        }
    }
}
