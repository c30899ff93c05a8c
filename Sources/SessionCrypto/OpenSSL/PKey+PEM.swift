import COpenSSL

/// OpenSSL's passphrase callback that supplies none, so that reading an encrypted key fails at once
/// instead of prompting (-1: "error, no passphrase").
private let refusePassphrase: @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32 = {
    _, _, _, _ in -1
}

extension PKey {
    /// Parses a PEM private key (PKCS#8, or traditional PKCS#1/SEC1) or public key (SPKI, or
    /// PKCS#1 `RSA PUBLIC KEY`). Encrypted PEM is refused: keys are protected by file permissions
    /// and the secret store that mounts them, not by a passphrase on the command line.
    ///
    /// OpenSSL is never allowed to prompt: its default passphrase callback reads the terminal, or
    /// stdin when there is none, and a server whose stdin is an open pipe then waits for ever
    /// (health checks time out, SIGTERM goes unanswered). Every reader gets `refusePassphrase`.
    static func load(pem: String) throws(CryptoError) -> PKey {
        if isEncrypted(pem) {
            throw CryptoError(
                .invalidKey,
                "the PEM key is encrypted; Tessera reads unencrypted keys only (decrypt it with `openssl pkey -in key.pem -out plain.pem`)")
        }
        var bytes = Array(pem.utf8)
        let loaded: OpaquePointer? = bytes.withUnsafeMutableBytes { buffer -> OpaquePointer? in
            func bio() -> OpaquePointer? { BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) }
            if let source = bio() {
                defer { BIO_free(source) }
                if let key = PEM_read_bio_PrivateKey(source, nil, refusePassphrase, nil) { return key }
            }
            OpenSSLErrors.clear()
            if let source = bio() {
                defer { BIO_free(source) }
                if let key = PEM_read_bio_PUBKEY(source, nil, refusePassphrase, nil) { return key }
            }
            OpenSSLErrors.clear()
            // PKCS#1 "RSA PUBLIC KEY" has no generic PEM reader outside the deprecated RSA API.
            var key: OpaquePointer?
            guard let decoder = OSSL_DECODER_CTX_new_for_pkey(
                &key, "PEM", "type-specific", "RSA", copenssl_selection_public_key, nil, nil)
            else { return nil }
            defer { OSSL_DECODER_CTX_free(decoder) }
            guard OSSL_DECODER_CTX_set_pem_password_cb(decoder, refusePassphrase, nil) == 1 else { return nil }
            var data: UnsafePointer<UInt8>? = UnsafePointer(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self))
            var length = buffer.count
            guard OSSL_DECODER_from_data(decoder, &data, &length) == 1 else { return nil }
            return key
        }
        for index in bytes.indices { bytes[index] = 0 }
        guard let loaded else { throw OpenSSLErrors.error(.invalidKey, "not a PEM RSA, P-256 or Ed25519 key") }
        return PKey(taking: loaded)
    }

    /// Whether `pem` holds an encrypted private key: PKCS#8 `ENCRYPTED PRIVATE KEY`, or a traditional
    /// key with `Proc-Type: 4,ENCRYPTED`. Said up front so the error names the cause, where OpenSSL
    /// would report a failed password read.
    static func isEncrypted(_ pem: String) -> Bool {
        pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") || pem.contains("Proc-Type: 4,ENCRYPTED")
    }

    /// The private key as unencrypted PKCS#8 PEM.
    func privateKeyPEM() throws(CryptoError) -> String {
        try withMemoryBIO { bio in PEM_write_bio_PrivateKey(bio, pointer, nil, nil, 0, nil, nil) == 1 }
    }

    /// The public key as SPKI PEM.
    func publicKeyPEM() throws(CryptoError) -> String {
        try withMemoryBIO { bio in PEM_write_bio_PUBKEY(bio, pointer) == 1 }
    }

    private func withMemoryBIO(_ write: (OpaquePointer) -> Bool) throws(CryptoError) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw OpenSSLErrors.error(.keyStorage, "BIO_new failed") }
        defer { BIO_free(bio) }
        guard write(bio) else { throw OpenSSLErrors.error(.keyStorage, "PEM encoding failed") }
        let pending = Int(BIO_ctrl_pending(bio))
        var buffer = [UInt8](repeating: 0, count: pending)
        let read = BIO_read(bio, &buffer, Int32(pending))
        guard read == pending else { throw OpenSSLErrors.error(.keyStorage, "PEM read-back failed") }
        defer { for index in buffer.indices { buffer[index] = 0 } }
        return String(decoding: buffer, as: UTF8.self)
    }

    /// A fresh key pair for an asymmetric algorithm: RSA 2048, P-256 or Ed25519.
    static func generate(_ kind: Kind) throws(CryptoError) -> PKey {
        let name: String
        switch kind {
        case .rsa: name = "RSA"
        case .p256: name = "EC"
        case .ed25519: name = "ED25519"
        }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, name, nil) else {
            throw OpenSSLErrors.error(.keyGenerationFailed, "no \(name) key generator")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else { throw OpenSSLErrors.error(.keyGenerationFailed, "keygen init") }
        switch kind {
        case .rsa:
            guard EVP_PKEY_CTX_set_rsa_keygen_bits(context, 2048) == 1 else {
                throw OpenSSLErrors.error(.keyGenerationFailed, "RSA key size")
            }
        case .p256:
            guard EVP_PKEY_CTX_set_group_name(context, "P-256") == 1 else {
                throw OpenSSLErrors.error(.keyGenerationFailed, "EC curve")
            }
        case .ed25519:
            break
        }
        var key: OpaquePointer?
        guard EVP_PKEY_generate(context, &key) == 1, let key else {
            throw OpenSSLErrors.error(.keyGenerationFailed, "key generation")
        }
        return PKey(taking: key)
    }
}
