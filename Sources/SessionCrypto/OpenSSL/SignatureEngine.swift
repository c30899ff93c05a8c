import COpenSSL

/// Signs and verifies with one key through pooled, prepared OpenSSL contexts.
///
/// RSA and ECDSA hash the signing input with SHA-256 and call `EVP_PKEY_sign`/`EVP_PKEY_verify`
/// on a context initialised once (padding and digest set); this is the same path `openssl speed`
/// measures, so our throughput is directly comparable. Ed25519 signs the whole input (it hashes
/// internally) through a prepared `EVP_MD_CTX`; HMAC re-keys a prepared `EVP_MAC_CTX`.
final class SignatureEngine: Sendable {
    enum Mechanism: Sendable { case rsa, ecdsa, ed25519, hmac }

    let mechanism: Mechanism
    /// The JWS signature length: RSA modulus bytes, 64 for ES256 and EdDSA, 32 for HS256.
    let signatureLength: Int
    private let signPool: ContextPool?
    private let verifyPool: ContextPool
    /// RSA: the PKCS#1 v1.5 encoded message every valid signature recovers to, up to the digest
    /// (`00 01 FF…FF 00` and SHA-256's DigestInfo prefix); empty for other mechanisms.
    private let rsaEncodedPrefix: [UInt8]
    /// Kept for Ed25519, whose contexts are re-initialised when one-shot reuse is unavailable.
    private let key: PKey?

    /// Whether this OpenSSL lets a one-shot `EVP_DigestSign`/`Verify` context be used again
    /// (3.0 does, and `openssl speed` relies on it; later versions may mark it finalised).
    /// Probed once with a throwaway key rather than assumed.
    static let oneShotContextsReusable: Bool = {
        guard let key = try? PKey.generate(.ed25519), let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard initialiseDigest(context, key: key, sign: true) else { return false }
        var output = [UInt8](repeating: 0, count: 64)
        var length = 64
        let message: [UInt8] = [1, 2, 3]
        let first = EVP_DigestSign(context, &output, &length, message, message.count) == 1
        length = 64
        let second = EVP_DigestSign(context, &output, &length, message, message.count) == 1
        OpenSSLErrors.clear()
        return first && second
    }()

    init(key: PKey, kind: PKey.Kind, canSign: Bool) {
        switch kind {
        case .rsa:
            self.key = nil
            mechanism = .rsa
            signatureLength = Int(EVP_PKEY_get_size(key.pointer))
            signPool = canSign ? Self.pkeyPool(key, sign: true, rsa: true) : nil
            verifyPool = Self.rsaRecoverPool(key)
            rsaEncodedPrefix = Self.pkcs1Prefix(modulusBytes: signatureLength)
        case .p256:
            self.key = nil
            mechanism = .ecdsa
            signatureLength = ECDSASignature.rawLength
            signPool = canSign ? Self.pkeyPool(key, sign: true, rsa: false) : nil
            verifyPool = Self.pkeyPool(key, sign: false, rsa: false)
            rsaEncodedPrefix = []
        case .ed25519:
            self.key = key
            mechanism = .ed25519
            signatureLength = 64
            signPool = canSign ? Self.digestPool(key, sign: true) : nil
            verifyPool = Self.digestPool(key, sign: false)
            rsaEncodedPrefix = []
        }
    }

    init(hmacSecret secret: [UInt8]) {
        key = nil
        mechanism = .hmac
        signatureLength = 32
        let pool = ContextPool(
            make: {
                guard let context = EVP_MAC_CTX_new(Fetched.hmac) else { return nil }
                var params = [
                    OSSL_PARAM_construct_utf8_string(staticCString("digest"), UnsafeMutablePointer(mutating: staticCString("SHA256")), 0),
                    OSSL_PARAM_construct_end(),
                ]
                guard EVP_MAC_init(context, secret, secret.count, &params) == 1 else {
                    EVP_MAC_CTX_free(context)
                    return nil
                }
                return context
            },
            release: { EVP_MAC_CTX_free($0) })
        signPool = pool
        verifyPool = pool
        rsaEncodedPrefix = []
    }

    /// `EMSA-PKCS1-v1_5` (RFC 8017 §9.2) for SHA-256 without the digest: `00 01`, `FF` padding, `00`,
    /// then the DER DigestInfo prefix. Verification re-encodes and compares whole messages, as
    /// RFC 8017 §8.2.2 specifies, instead of parsing what the signature recovers to.
    static func pkcs1Prefix(modulusBytes: Int) -> [UInt8] {
        let digestInfo: [UInt8] = [0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20]
        let padding = modulusBytes - 3 - digestInfo.count - SHA256.byteCount
        return [0x00, 0x01] + [UInt8](repeating: 0xFF, count: max(padding, 0)) + [0x00] + digestInfo
    }

    /// RSA verification contexts that return `s^e mod n` as is (OpenSSL refuses `s >= n`).
    private static func rsaRecoverPool(_ key: PKey) -> ContextPool {
        ContextPool(
            make: {
                guard let context = EVP_PKEY_CTX_new_from_pkey(nil, key.pointer, nil) else { return nil }
                guard EVP_PKEY_verify_recover_init(context) == 1, EVP_PKEY_CTX_set_rsa_padding(context, RSA_NO_PADDING) == 1 else {
                    EVP_PKEY_CTX_free(context)
                    return nil
                }
                return context
            },
            release: { EVP_PKEY_CTX_free($0) })
    }

    private static func pkeyPool(_ key: PKey, sign: Bool, rsa: Bool) -> ContextPool {
        ContextPool(
            make: {
                guard let context = EVP_PKEY_CTX_new_from_pkey(nil, key.pointer, nil) else { return nil }
                let ready = (sign ? EVP_PKEY_sign_init(context) : EVP_PKEY_verify_init(context)) == 1
                    && (!rsa || EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) == 1)
                    && EVP_PKEY_CTX_set_signature_md(context, Fetched.sha256) == 1
                guard ready else {
                    EVP_PKEY_CTX_free(context)
                    return nil
                }
                return context
            },
            release: { EVP_PKEY_CTX_free($0) })
    }

    private static func digestPool(_ key: PKey, sign: Bool) -> ContextPool {
        ContextPool(
            make: {
                guard let context = EVP_MD_CTX_new() else { return nil }
                guard initialiseDigest(context, key: key, sign: sign) else {
                    EVP_MD_CTX_free(context)
                    return nil
                }
                return context
            },
            release: { EVP_MD_CTX_free($0) })
    }

    fileprivate static func initialiseDigest(_ context: OpaquePointer, key: PKey, sign: Bool) -> Bool {
        (sign
            ? EVP_DigestSignInit_ex(context, nil, nil, nil, nil, key.pointer, nil)
            : EVP_DigestVerifyInit_ex(context, nil, nil, nil, nil, key.pointer, nil)) == 1
    }

    // MARK: Signing

    func sign(_ input: UnsafeRawBufferPointer) throws(CryptoError) -> [UInt8] {
        var failure: CryptoError?
        let signature = [UInt8](unsafeUninitializedCapacity: signatureLength) { buffer, written in
            do throws(CryptoError) {
                try sign(input, into: buffer.baseAddress!)
                written = signatureLength
            } catch {
                failure = error
                written = 0
            }
        }
        if let failure { throw failure }
        return signature
    }

    /// Signs `input` into `output`, which must hold `signatureLength` bytes: the JWS form (raw `r‖s`
    /// for ES256), written in place so a mint needs no array for it.
    func sign(_ input: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<UInt8>) throws(CryptoError) {
        guard let signPool else { throw CryptoError(.signingFailed, "this key has no private half") }
        let length = signatureLength
        let signed: Bool
        switch mechanism {
        case .rsa, .ecdsa:
            signed = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: SHA256.byteCount) { digest -> Bool in
                guard SHA256.hash(input, into: digest.baseAddress!) else { return false }
                return signPool.withContext { context in
                    (mechanism == .rsa ? signRSA(context, digest, into: output) : signECDSA(context, digest, into: output), true)
                } ?? false
            }
        case .ed25519:
            signed = signPool.withContext { context -> (Bool, reusable: Bool) in
                if !Self.oneShotContextsReusable, let key, !Self.initialiseDigest(context, key: key, sign: true) {
                    return (false, false)
                }
                var written = length
                let ok = EVP_DigestSign(context, output, &written, input.baseAddress, input.count) == 1 && written == length
                return (ok, ok)
            } ?? false
        case .hmac:
            signed = signPool.withContext { context -> (Bool, reusable: Bool) in
                var written = 0
                let ok = EVP_MAC_init(context, nil, 0, nil) == 1
                    && EVP_MAC_update(context, input.baseAddress, input.count) == 1
                    && EVP_MAC_final(context, output, &written, length) == 1 && written == length
                return (ok, ok)
            } ?? false
        }
        guard signed else { throw OpenSSLErrors.error(.signingFailed, "\(mechanism) signing failed") }
    }

    private func signRSA(_ context: OpaquePointer, _ digest: UnsafeMutableBufferPointer<UInt8>, into output: UnsafeMutablePointer<UInt8>) -> Bool {
        var length = signatureLength
        return EVP_PKEY_sign(context, output, &length, digest.baseAddress, digest.count) == 1 && length == signatureLength
    }

    private func signECDSA(_ context: OpaquePointer, _ digest: UnsafeMutableBufferPointer<UInt8>, into output: UnsafeMutablePointer<UInt8>) -> Bool {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ECDSASignature.maximumDERLength) { der -> Bool in
            var length = der.count
            guard EVP_PKEY_sign(context, der.baseAddress, &length, digest.baseAddress, digest.count) == 1 else { return false }
            return ECDSASignature.rawFromDER(
                UnsafeBufferPointer(rebasing: der[0..<length]), into: UnsafeMutableBufferPointer(start: output, count: ECDSASignature.rawLength))
        }
    }

    // MARK: Verifying

    /// Whether `signature` (JWS form) is valid for `input`. Never throws: every failure is `false`,
    /// and OpenSSL's error queue is cleared so rejected tokens leave nothing behind.
    func verify(_ signature: UnsafeRawBufferPointer, for input: UnsafeRawBufferPointer) -> Bool {
        guard signature.count == signatureLength else { return false }
        let valid: Bool
        switch mechanism {
        case .rsa:
            let length = signatureLength
            valid = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: length + SHA256.byteCount) { scratch in
                let recovered = scratch.baseAddress!
                let digest = recovered + length
                guard SHA256.hash(input, into: digest) else { return false }
                let recoveredLength: Int? = verifyPool.withContext { context in
                    var count = length
                    let ok = EVP_PKEY_verify_recover(
                        context, recovered, &count, signature.baseAddress?.assumingMemoryBound(to: UInt8.self), signature.count) == 1
                    return (ok ? count : nil, true)
                } ?? nil
                guard recoveredLength == length else { return false }
                let prefixMatches = rsaEncodedPrefix.withUnsafeBytes { memcmp($0.baseAddress!, recovered, $0.count) == 0 }
                return prefixMatches && memcmp(recovered + rsaEncodedPrefix.count, digest, SHA256.byteCount) == 0
            }
        case .ecdsa:
            valid = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ECDSASignature.maximumDERLength + SHA256.byteCount) {
                scratch in
                let der = UnsafeMutableBufferPointer(rebasing: scratch[0..<ECDSASignature.maximumDERLength])
                let digest = UnsafeMutableBufferPointer(rebasing: scratch[ECDSASignature.maximumDERLength...])
                guard let length = ECDSASignature.derFromRaw(signature, into: der),
                    SHA256.hash(input, into: digest.baseAddress!)
                else { return false }
                return verifyPool.withContext { context in
                    (EVP_PKEY_verify(context, der.baseAddress, length, digest.baseAddress, digest.count) == 1, true)
                } ?? false
            }
        case .ed25519:
            valid = verifyPool.withContext { context -> (Bool, reusable: Bool) in
                if !Self.oneShotContextsReusable, let key, !Self.initialiseDigest(context, key: key, sign: false) {
                    return (false, false)
                }
                let ok = EVP_DigestVerify(
                    context, signature.baseAddress?.assumingMemoryBound(to: UInt8.self), signature.count,
                    input.baseAddress?.assumingMemoryBound(to: UInt8.self), input.count) == 1
                // A failed one-shot may leave the context finalised on some OpenSSL versions: drop it.
                return (ok, ok)
            } ?? false
        case .hmac:
            valid = verifyPool.withContext { context -> (Bool, reusable: Bool) in
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { expected in
                    var length = 0
                    let ok = EVP_MAC_init(context, nil, 0, nil) == 1
                        && EVP_MAC_update(context, input.baseAddress, input.count) == 1
                        && EVP_MAC_final(context, expected.baseAddress, &length, 32) == 1 && length == 32
                    return (ok && CRYPTO_memcmp(expected.baseAddress, signature.baseAddress, 32) == 0, ok)
                }
            } ?? false
        }
        if !valid { OpenSSLErrors.clear() }
        return valid
    }
}
