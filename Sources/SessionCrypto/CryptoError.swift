/// The one error type of `SessionCrypto`: an extensible code plus a human reason.
///
/// Reasons carry OpenSSL's error strings and key ids, never key material. Equal on the code only.
public struct CryptoError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A key could not be parsed or is unfit for its algorithm (too short, wrong curve, off-curve point, …).
        public static let invalidKey = Code("invalidKey")
        /// The key's type does not support the requested algorithm.
        public static let unsupportedAlgorithm = Code("unsupportedAlgorithm")
        /// OpenSSL refused to sign.
        public static let signingFailed = Code("signingFailed")
        /// Key generation failed.
        public static let keyGenerationFailed = Code("keyGenerationFailed")
        /// The system's random source failed; nothing random may be used.
        public static let randomFailed = Code("randomFailed")
        /// A key file or directory could not be read or written.
        public static let keyStorage = Code("keyStorage")
        /// Sealing a secret under the key-encryption key failed.
        public static let encryptionFailed = Code("encryptionFailed")
        /// A sealed secret did not open: malformed, altered, moved to another row, or made under another key.
        public static let decryptionFailed = Code("decryptionFailed")
        /// A sealed secret names a key-encryption key that is neither the current nor the previous one.
        public static let unknownKeyEncryptionKey = Code("unknownKeyEncryptionKey")
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }
    public static func == (lhs: CryptoError, rhs: CryptoError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
