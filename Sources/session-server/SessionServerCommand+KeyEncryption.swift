import ArgumentParser
import Foundation
import Logging
import SessionCrypto
import SessionStorage

extension SessionServerCommand {
    /// The default key-encryption key file, beside the signing keys.
    static let defaultKeyEncryptionKeyFile = "kek.b64"

    /// The key-encryption key(s) from the flags or environment; without any, `<keys>/kek.b64`,
    /// generated on first use unless the database already holds keys sealed under another one
    /// (a new key could never open them, so that is an error that says what to give).
    func keyEncryptionKeys(store: any SessionStore, logger: Logger) async throws -> KeyEncryptionKeys {
        let environment = ProcessInfo.processInfo.environment
        let file = keyEncryptionKeyFile ?? environment["TESSERA_KEK_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        let inline = environment["TESSERA_KEK"].flatMap { $0.isEmpty ? nil : $0 }
        let previousFile = previousKeyEncryptionKeyFile ?? environment["TESSERA_PREVIOUS_KEK_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        let previous = try previousFile.map { path in try KeyEncryptionKey(contentsOfFile: path) }
        let current: KeyEncryptionKey
        switch (file, inline) {
        case (.some, .some):
            throw ValidationError("give the key-encryption key once: --key-encryption-key-file (TESSERA_KEK_FILE) or TESSERA_KEK, not both")
        case (let path?, nil):
            current = try KeyEncryptionKey(contentsOfFile: path)
        case (nil, let text?):
            do { current = try KeyEncryptionKey(base64: text) } catch { throw ValidationError("TESSERA_KEK: \(error.reason)") }
        case (nil, nil):
            let path = "\(keys)/\(Self.defaultKeyEncryptionKeyFile)"
            if FileManager.default.fileExists(atPath: path) {
                current = try KeyEncryptionKey(contentsOfFile: path)
            } else {
                let sealedMaterials = try await store.templateKeyMaterials().map(\.material) + store.allSigningKeys().map(\.material)
                if let sealed = sealedMaterials.lazy.compactMap({ SealedValue($0) }).first {
                    throw ValidationError(
                        "the database holds signing keys sealed under key-encryption key \(sealed.keyID), and none is configured: "
                            + "give it with --key-encryption-key-file (TESSERA_KEK_FILE) or TESSERA_KEK")
                }
                current = try KeyEncryptionKey.generateFile(at: path)
                logger.notice(
                    "generated a key-encryption key; back it up with the database (see Docs/Operations.md)",
                    metadata: ["file": "\(path)", "kek": "\(current.id)"])
            }
        }
        return KeyEncryptionKeys(current: current, previous: previous)
    }
}
