import COpenSSL

/// AES-256-GCM through OpenSSL's EVP cipher interface: the backend of `KeyEncryptionKey`.
///
/// A fresh context per call: sealing happens when a template is saved and opening when its token
/// is minted, far off any hot path, so pooling would buy nothing.
enum AESGCM {
    static let keyByteCount = 32
    static let nonceByteCount = 12
    static let tagByteCount = 16

    /// Fetched once; OpenSSL documents fetched ciphers as safe to share between threads.
    nonisolated(unsafe) private static let cipher: OpaquePointer = {
        guard let cipher = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil) else {
            fatalError("OpenSSL has no AES-256-GCM: \(OpenSSLErrors.drain())")
        }
        return cipher
    }()

    /// The ciphertext followed by the 16-byte tag.
    static func seal(key: [UInt8], nonce: [UInt8], plaintext: [UInt8], associatedData: [UInt8]) throws(CryptoError) -> [UInt8] {
        precondition(key.count == keyByteCount && nonce.count == nonceByteCount)
        guard let context = EVP_CIPHER_CTX_new() else { throw OpenSSLErrors.error(.encryptionFailed, "EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(context) }
        var output = [UInt8](repeating: 0, count: plaintext.count + tagByteCount)
        var length: Int32 = 0
        var finalLength: Int32 = 0
        let ok = EVP_EncryptInit_ex2(context, cipher, key, nonce, nil) == 1
            && (associatedData.isEmpty || EVP_EncryptUpdate(context, nil, &length, associatedData, Int32(associatedData.count)) == 1)
            && (plaintext.isEmpty || EVP_EncryptUpdate(context, &output, &length, plaintext, Int32(plaintext.count)) == 1)
            && output.withUnsafeMutableBufferPointer { buffer in
                EVP_EncryptFinal_ex(context, buffer.baseAddress! + Int(plaintext.isEmpty ? 0 : length), &finalLength) == 1
                    && EVP_CIPHER_CTX_ctrl(
                        context, EVP_CTRL_GCM_GET_TAG, Int32(tagByteCount), buffer.baseAddress! + plaintext.count) == 1
            }
        guard ok else { throw OpenSSLErrors.error(.encryptionFailed, "AES-256-GCM encryption failed") }
        return output
    }

    /// The plaintext, or an error when the tag does not verify (wrong key, altered bytes, other
    /// associated data): nothing of a failed opening is returned.
    static func open(key: [UInt8], nonce: [UInt8], sealed: [UInt8], associatedData: [UInt8]) throws(CryptoError) -> [UInt8] {
        precondition(key.count == keyByteCount && nonce.count == nonceByteCount)
        guard sealed.count >= tagByteCount else { throw CryptoError(.decryptionFailed, "the sealed value is too short") }
        guard let context = EVP_CIPHER_CTX_new() else { throw OpenSSLErrors.error(.decryptionFailed, "EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(context) }
        let ciphertextCount = sealed.count - tagByteCount
        var tag = Array(sealed[ciphertextCount...])
        var output = [UInt8](repeating: 0, count: max(ciphertextCount, 1))
        var length: Int32 = 0
        var finalLength: Int32 = 0
        let ok = EVP_DecryptInit_ex2(context, cipher, key, nonce, nil) == 1
            && (associatedData.isEmpty || EVP_DecryptUpdate(context, nil, &length, associatedData, Int32(associatedData.count)) == 1)
            && (ciphertextCount == 0 || EVP_DecryptUpdate(context, &output, &length, sealed, Int32(ciphertextCount)) == 1)
            && EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tagByteCount), &tag) == 1
            && output.withUnsafeMutableBufferPointer { buffer in
                EVP_DecryptFinal_ex(context, buffer.baseAddress! + Int(ciphertextCount == 0 ? 0 : length), &finalLength) == 1
            }
        guard ok else {
            // The queue holds nothing useful for a tag mismatch, and nothing secret either way.
            OpenSSLErrors.clear()
            for index in output.indices { output[index] = 0 }
            throw CryptoError(.decryptionFailed, "the sealed value does not open under this key (wrong key, altered, or moved)")
        }
        return Array(output.prefix(ciphertextCount))
    }
}
