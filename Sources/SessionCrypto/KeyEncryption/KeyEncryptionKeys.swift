/// The current key-encryption key and, during a rotation, the previous one.
///
/// New values are always sealed under the current key; a value sealed under the previous key still
/// opens, until the start-up pass has re-sealed everything under the current one.
public struct KeyEncryptionKeys: Sendable, CustomStringConvertible {
    public let current: KeyEncryptionKey
    public let previous: KeyEncryptionKey?

    public init(current: KeyEncryptionKey, previous: KeyEncryptionKey? = nil) {
        self.current = current
        // The same key given twice is not a rotation.
        self.previous = previous?.id == current.id ? nil : previous
    }

    /// Seals under the current key.
    public func seal(_ plaintext: [UInt8], context: [UInt8], random: any RandomSource = SecureRandom()) throws(CryptoError) -> String {
        try current.seal(plaintext, context: context, random: random)
    }

    /// Opens with whichever key the value names.
    public func open(_ text: String, context: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let value = SealedValue(text) else { throw CryptoError(.decryptionFailed, "not a sealed value") }
        if value.keyID == current.id { return try current.open(text, context: context) }
        if let previous, value.keyID == previous.id { return try previous.open(text, context: context) }
        throw CryptoError(
            .unknownKeyEncryptionKey,
            "sealed under key-encryption key \(value.keyID), which is not the current one (\(current.id))"
                + (previous.map { " nor the previous one (\($0.id))" } ?? ", and no previous one is configured"))
    }

    public var description: String { "KeyEncryptionKeys(current: \(current.id), previous: \(previous?.id ?? "none"))" }
}
