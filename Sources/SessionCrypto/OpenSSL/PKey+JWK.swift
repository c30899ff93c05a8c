import COpenSSL
import SessionTokens

extension PKey {
    /// Builds an OpenSSL key from an RSA, EC P-256 or Ed25519 JWK, private when it holds `d`.
    /// EC points are checked to be on the curve; coordinates must have their full 32-byte length.
    static func from(jwk: JWK) throws(CryptoError) -> PKey {
        func bytes(_ member: String?, _ name: String) throws(CryptoError) -> [UInt8] {
            guard let member else { throw CryptoError(.invalidKey, "JWK lacks \"\(name)\"") }
            guard let decoded = Base64URL.decode(member), !decoded.isEmpty else {
                throw CryptoError(.invalidKey, "JWK \"\(name)\" is not canonical base64url")
            }
            return decoded
        }
        switch jwk.keyType {
        case .rsa:
            var components: [(StaticString, [UInt8])] = [("n", try bytes(jwk.n, "n")), ("e", try bytes(jwk.e, "e"))]
            if jwk.d != nil {
                components.append(("d", try bytes(jwk.d, "d")))
                if jwk.p != nil {
                    components.append(("rsa-factor1", try bytes(jwk.p, "p")))
                    components.append(("rsa-factor2", try bytes(jwk.q, "q")))
                    components.append(("rsa-exponent1", try bytes(jwk.dp, "dp")))
                    components.append(("rsa-exponent2", try bytes(jwk.dq, "dq")))
                    components.append(("rsa-coefficient1", try bytes(jwk.qi, "qi")))
                }
            }
            return try fromData(type: "RSA", bignums: components, octets: [], strings: [], isPrivate: jwk.d != nil)
        case .ec:
            guard jwk.curve == "P-256" else { throw CryptoError(.invalidKey, "EC curve \(jwk.curve ?? "(none)") is not P-256") }
            let x = try bytes(jwk.x, "x"), y = try bytes(jwk.y, "y")
            guard x.count == 32, y.count == 32 else { throw CryptoError(.invalidKey, "P-256 coordinates must be 32 bytes each") }
            var bignums: [(StaticString, [UInt8])] = []
            if jwk.d != nil {
                let d = try bytes(jwk.d, "d")
                guard d.count == 32 else { throw CryptoError(.invalidKey, "P-256 private scalar must be 32 bytes") }
                bignums.append(("priv", d))
            }
            let key = try fromData(
                type: "EC", bignums: bignums, octets: [("pub", [0x04] + x + y)], strings: [("group", "P-256")],
                isPrivate: jwk.d != nil)
            try key.checkPublicKey()
            return key
        case .okp:
            guard jwk.curve == "Ed25519" else { throw CryptoError(.invalidKey, "OKP curve \(jwk.curve ?? "(none)") is not Ed25519") }
            let x = try bytes(jwk.x, "x")
            guard x.count == 32 else { throw CryptoError(.invalidKey, "Ed25519 public key must be 32 bytes") }
            if jwk.d != nil {
                let d = try bytes(jwk.d, "d")
                guard d.count == 32, let raw = EVP_PKEY_new_raw_private_key_ex(nil, "ED25519", nil, d, d.count) else {
                    throw OpenSSLErrors.error(.invalidKey, "Ed25519 private key")
                }
                let key = PKey(taking: raw)
                guard try key.publicJWK().x == jwk.x else { throw CryptoError(.invalidKey, "Ed25519 d does not match x") }
                return key
            }
            guard let raw = EVP_PKEY_new_raw_public_key_ex(nil, "ED25519", nil, x, x.count) else {
                throw OpenSSLErrors.error(.invalidKey, "Ed25519 public key")
            }
            return PKey(taking: raw)
        case .oct:
            throw CryptoError(.unsupportedAlgorithm, "an oct JWK is a symmetric secret, not a key pair")
        }
    }

    private static func fromData(
        type: String, bignums: [(StaticString, [UInt8])], octets: [(StaticString, [UInt8])],
        strings: [(StaticString, StaticString)], isPrivate: Bool
    ) throws(CryptoError) -> PKey {
        guard let builder = OSSL_PARAM_BLD_new() else { throw OpenSSLErrors.error(.invalidKey, "OSSL_PARAM_BLD_new") }
        defer { OSSL_PARAM_BLD_free(builder) }
        var numbers: [OpaquePointer] = []
        defer { for number in numbers { BN_clear_free(number) } }
        for (name, value) in bignums {
            guard let number = BN_bin2bn(value, Int32(value.count), nil) else { throw OpenSSLErrors.error(.invalidKey, "BN_bin2bn") }
            numbers.append(number)
            guard OSSL_PARAM_BLD_push_BN(builder, staticCString(name), number) == 1 else {
                throw OpenSSLErrors.error(.invalidKey, "key parameter")
            }
        }
        for (name, value) in strings {
            guard OSSL_PARAM_BLD_push_utf8_string(builder, staticCString(name), staticCString(value), 0) == 1 else {
                throw OpenSSLErrors.error(.invalidKey, "key parameter")
            }
        }
        // Octet strings are referenced, not copied, until OSSL_PARAM_BLD_to_param: keep them in one buffer alive until then.
        let flat = octets.flatMap(\.1)
        let params: UnsafeMutablePointer<OSSL_PARAM>? = flat.withUnsafeBytes { buffer in
            var offset = 0
            for (name, value) in octets {
                guard OSSL_PARAM_BLD_push_octet_string(builder, staticCString(name), buffer.baseAddress! + offset, value.count) == 1
                else { return nil }
                offset += value.count
            }
            return OSSL_PARAM_BLD_to_param(builder)
        }
        guard let params else { throw OpenSSLErrors.error(.invalidKey, "key parameters") }
        defer { OSSL_PARAM_free(params) }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, type, nil) else { throw OpenSSLErrors.error(.invalidKey, "no \(type) support") }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_fromdata_init(context) == 1,
            EVP_PKEY_fromdata(context, &key, isPrivate ? copenssl_selection_keypair : copenssl_selection_public_key, params) == 1,
            let key
        else { throw OpenSSLErrors.error(.invalidKey, "\(type) key rejected") }
        return PKey(taking: key)
    }

    /// Runs OpenSSL's public-key validation (for EC: the point is on the curve and not infinity).
    func checkPublicKey() throws(CryptoError) {
        guard let context = EVP_PKEY_CTX_new_from_pkey(nil, pointer, nil) else { throw OpenSSLErrors.error(.invalidKey, "key context") }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_public_check(context) == 1 else { throw OpenSSLErrors.error(.invalidKey, "public key check failed") }
    }

    /// The public half as a JWK (no `kid`, `alg` or `use`; the caller adds them).
    func publicJWK() throws(CryptoError) -> JWK {
        switch try kind() {
        case .rsa:
            var jwk = JWK(keyType: .rsa)
            jwk.n = Base64URL.encode(try bignumParameter("n", width: nil))
            jwk.e = Base64URL.encode(try bignumParameter("e", width: nil))
            return jwk
        case .p256:
            var jwk = JWK(keyType: .ec)
            jwk.curve = "P-256"
            jwk.x = Base64URL.encode(try bignumParameter("qx", width: 32))
            jwk.y = Base64URL.encode(try bignumParameter("qy", width: 32))
            return jwk
        case .ed25519:
            var raw = [UInt8](repeating: 0, count: 32)
            var length = raw.count
            guard EVP_PKEY_get_raw_public_key(pointer, &raw, &length) == 1, length == 32 else {
                throw OpenSSLErrors.error(.invalidKey, "Ed25519 public key export")
            }
            var jwk = JWK(keyType: .okp)
            jwk.curve = "Ed25519"
            jwk.x = Base64URL.encode(raw)
            return jwk
        }
    }

    private func bignumParameter(_ name: StaticString, width: Int?) throws(CryptoError) -> [UInt8] {
        var number: OpaquePointer?
        guard EVP_PKEY_get_bn_param(pointer, staticCString(name), &number) == 1, let number else {
            throw OpenSSLErrors.error(.invalidKey, "key parameter \(name)")
        }
        defer { BN_free(number) }
        let size = width ?? (Int(BN_num_bits(number)) + 7) / 8
        var bytes = [UInt8](repeating: 0, count: size)
        guard BN_bn2binpad(number, &bytes, Int32(size)) == Int32(size) else { throw OpenSSLErrors.error(.invalidKey, "key parameter \(name) width") }
        return bytes
    }
}
