import COpenSSL

/// Owns one `EVP_PKEY`.
///
/// `@unchecked Sendable`: the key is never mutated after construction, and OpenSSL 3 allows
/// concurrent use of a const `EVP_PKEY` as long as each operation has its own context.
final class PKey: @unchecked Sendable {
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(pointer) }

    enum Kind: Sendable { case rsa, p256, ed25519 }

    /// The kind of key, or an error for kinds Tessera does not use (other curves, DSA, …).
    func kind() throws(CryptoError) -> Kind {
        if EVP_PKEY_is_a(pointer, "RSA") == 1 { return .rsa }
        if EVP_PKEY_is_a(pointer, "ED25519") == 1 { return .ed25519 }
        if EVP_PKEY_is_a(pointer, "EC") == 1 {
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            guard EVP_PKEY_get_group_name(pointer, &name, name.count, &length) == 1 else {
                throw OpenSSLErrors.error(.invalidKey, "EC key without a named curve")
            }
            let curve = String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard curve == "prime256v1" || curve == "P-256" else {
                throw CryptoError(.invalidKey, "EC curve \(curve) is not supported; ES256 needs P-256")
            }
            return .p256
        }
        throw CryptoError(.invalidKey, "key type is not RSA, P-256 or Ed25519")
    }

    var bits: Int { Int(EVP_PKEY_get_bits(pointer)) }

    /// Whether the private half is present.
    var hasPrivateKey: Bool {
        // Exporting the private part succeeds only for private keys; the probe stays inside OpenSSL.
        var bignum: OpaquePointer?
        if EVP_PKEY_is_a(pointer, "ED25519") == 1 {
            var length = 0
            let ok = EVP_PKEY_get_raw_private_key(pointer, nil, &length) == 1
            OpenSSLErrors.clear()
            return ok
        }
        let name = EVP_PKEY_is_a(pointer, "RSA") == 1 ? "d" : "priv"
        let ok = EVP_PKEY_get_bn_param(pointer, name, &bignum) == 1
        if let bignum { BN_clear_free(bignum) }
        OpenSSLErrors.clear()
        return ok
    }
}
