import Foundation
import SessionTokens

/// The operator's key-encryption key (KEK): 32 random bytes that seal secrets kept in the store
/// (a template's own signing key) with AES-256-GCM, so that a copy of the database alone reveals
/// no key material.
///
/// Its text form, in a file or an environment variable, is the standard base64 of the 32 bytes
/// (what `openssl rand -base64 32` prints); surrounding whitespace is ignored. The bytes cannot be
/// read back or printed: `description` shows only the key's id.
public struct KeyEncryptionKey: Sendable, CustomStringConvertible {
    /// The first 8 bytes of SHA-256 of the key, as 16 hex digits: written into every sealed value so
    /// that a value names the key it was made under without revealing anything of it.
    public let id: String
    private let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count == AESGCM.keyByteCount else {
            throw CryptoError(.invalidKey, "a key-encryption key is 32 bytes, got \(bytes.count)")
        }
        self.bytes = bytes
        self.id = SHA256.hash(bytes).prefix(8).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    /// Parses the base64 text form.
    public init(base64 text: String) throws(CryptoError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let data = Data(base64Encoded: trimmed), data.count == AESGCM.keyByteCount else {
            throw CryptoError(.invalidKey, "a key-encryption key is 32 random bytes in base64 (openssl rand -base64 32)")
        }
        try self.init(bytes: Array(data))
    }

    /// Reads the base64 text form from a file.
    public init(contentsOfFile path: String) throws(CryptoError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CryptoError(.keyStorage, "cannot read the key-encryption key file \(path)")
        }
        do { try self.init(base64: String(decoding: data, as: UTF8.self)) } catch {
            throw CryptoError(error.code, "\(path): \(error.reason)")
        }
    }

    /// A fresh key from `random`.
    public static func generate(random: any RandomSource = SecureRandom()) throws(CryptoError) -> KeyEncryptionKey {
        try KeyEncryptionKey(bytes: try random.bytes(AESGCM.keyByteCount))
    }

    /// Writes a fresh key in its text form to `path` with mode 0600 (refusing to overwrite a file).
    @discardableResult
    public static func generateFile(at path: String, random: any RandomSource = SecureRandom()) throws(CryptoError) -> KeyEncryptionKey {
        let bytes = try random.bytes(AESGCM.keyByteCount)
        let key = try KeyEncryptionKey(bytes: bytes)
        let text = Data(bytes).base64EncodedString() + "\n"
        guard !FileManager.default.fileExists(atPath: path),
            FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else { throw CryptoError(.keyStorage, "cannot create the key-encryption key file \(path)") }
        return key
    }

    public var description: String { "KeyEncryptionKey(\(id), redacted)" }

    // MARK: Sealing

    /// `plaintext` sealed as `v1:<key id>:<nonce>:<ciphertext and tag>` (the last two base64url),
    /// with `context` bound as associated data: the value opens only for the same context, so it
    /// cannot be moved to another row.
    public func seal(_ plaintext: [UInt8], context: [UInt8], random: any RandomSource = SecureRandom()) throws(CryptoError) -> String {
        let nonce = try random.bytes(AESGCM.nonceByteCount)
        let sealed = try AESGCM.seal(key: bytes, nonce: nonce, plaintext: plaintext, associatedData: context)
        return "\(SealedValue.version):\(id):\(Base64URL.encode(nonce)):\(Base64URL.encode(sealed))"
    }

    /// The plaintext of a value this key sealed for `context`.
    public func open(_ text: String, context: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let value = SealedValue(text) else { throw CryptoError(.decryptionFailed, "not a sealed value") }
        guard value.keyID == id else {
            throw CryptoError(.unknownKeyEncryptionKey, "sealed under key-encryption key \(value.keyID), not \(id)")
        }
        return try AESGCM.open(key: bytes, nonce: value.nonce, sealed: value.sealed, associatedData: context)
    }
}

/// The parts of a sealed value's text form; parsing checks the grammar only.
public struct SealedValue: Sendable {
    static let version = "v1"
    /// The id of the key-encryption key it was sealed under.
    public let keyID: String
    let nonce: [UInt8]
    let sealed: [UInt8]

    /// Nil for text that is not a sealed value (for instance a legacy clear-text secret).
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == Self.version, parts[1].count == 16,
            parts[1].allSatisfy({ $0.isHexDigit && !$0.isUppercase }),
            let nonce = Base64URL.decode(parts[2]), nonce.count == AESGCM.nonceByteCount,
            let sealed = Base64URL.decode(parts[3]), sealed.count >= AESGCM.tagByteCount
        else { return nil }
        self.keyID = String(parts[1])
        self.nonce = nonce
        self.sealed = sealed
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
