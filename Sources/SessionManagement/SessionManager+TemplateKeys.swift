import SessionStorage
import SessionCrypto

/// What the start-up pass over template signing keys did.
public struct TemplateKeySealingReport: Sendable, Hashable {
    /// Rows that held a legacy clear-text key and now hold it sealed.
    public var sealed: Int
    /// Rows sealed under the previous key-encryption key and now under the current one.
    public var resealed: Int
    /// Rows already sealed under the current key.
    public var unchanged: Int

    public init(sealed: Int, resealed: Int, unchanged: Int) {
        self.sealed = sealed
        self.resealed = resealed
        self.unchanged = unchanged
    }
}

/// A template's own signing key is sealed under the operator's key-encryption key before it is
/// stored and opened only to sign. The store never sees clear material and never imports
/// `SessionCrypto` (DESIGN.md's module table): sealing lives here, in the use cases.
extension SessionManager {
    /// The associated data a template's key is sealed with: its instance, id and algorithm, so a
    /// sealed value copied into another row (or re-labelled with another algorithm) does not open.
    static func sealingContext(instanceID: String, templateID: String, algorithm: String) -> [UInt8] {
        Array("tessera/jwt_template/signing_key/v1\u{0}\(instanceID)\u{0}\(templateID)\u{0}\(algorithm)".utf8)
    }

    /// The record with its own signing key (if any) sealed under the current key-encryption key.
    func sealed(_ record: JWTTemplateRecord) throws(ManagementError) -> JWTTemplateRecord {
        guard let key = record.customSigningKey else { return record }
        guard let keyEncryption else {
            throw ManagementError(
                .unavailable, "this server has no key-encryption key, so it cannot store a template's own signing key",
                parameter: "signing_key")
        }
        var sealed = record
        do {
            sealed.customSigningKey?.material = try keyEncryption.seal(
                Array(key.material.utf8), context: Self.sealingContext(instanceID: record.instanceID, templateID: record.id, algorithm: key.algorithm),
                random: random)
        } catch {
            throw ManagementError(.unavailable, "cannot seal the template's signing key: \(error.reason)")
        }
        return sealed
    }

    /// The record with its own signing key opened, for signing only: never stored or returned.
    func opened(_ record: JWTTemplateRecord) throws(ManagementError) -> JWTTemplateRecord {
        guard let key = record.customSigningKey else { return record }
        guard let keyEncryption else {
            throw ManagementError(.unavailable, "template \(record.id) has its own signing key, and this server has no key-encryption key")
        }
        guard SealedValue(key.material) != nil else {
            // Only a row written by an older version outside the start-up pass can be clear text.
            throw ManagementError(.unavailable, "template \(record.id)'s signing key is stored unsealed; restart the server to seal it")
        }
        var opened = record
        do {
            let bytes = try keyEncryption.open(
                key.material, context: Self.sealingContext(instanceID: record.instanceID, templateID: record.id, algorithm: key.algorithm))
            opened.customSigningKey?.material = String(decoding: bytes, as: UTF8.self)
        } catch {
            throw ManagementError(.unavailable, "cannot open template \(record.id)'s signing key: \(error.reason)")
        }
        return opened
    }

    /// The start-up pass: seals legacy clear-text keys and re-seals keys made under the previous
    /// key-encryption key, all in one transaction, so that after it every stored key opens under
    /// the current key alone and the previous one can be dropped. Throws, changing nothing, when
    /// a key is sealed under an unknown key-encryption key or does not open, or when keys are stored
    /// and no key-encryption key is configured.
    public func sealTemplateKeys() async throws(ManagementError) -> TemplateKeySealingReport {
        let stored = try await storage { () async throws(StorageError) in try await store.templateKeyMaterials() }
        var report = TemplateKeySealingReport(sealed: 0, resealed: 0, unchanged: 0)
        guard !stored.isEmpty else { return report }
        guard let keyEncryption else {
            throw ManagementError(
                .unavailable,
                "the database holds \(stored.count) template signing key(s) but no key-encryption key is configured: "
                    + "give the one they were sealed under with --key-encryption-key-file (TESSERA_KEK_FILE) or TESSERA_KEK")
        }
        var replacements: [TemplateKeyMaterial.Replacement] = []
        for row in stored {
            let context = Self.sealingContext(instanceID: row.instanceID, templateID: row.templateID, algorithm: row.algorithm)
            let plaintext: [UInt8]
            if let value = SealedValue(row.material) {
                if value.keyID == keyEncryption.current.id {
                    report.unchanged += 1
                    continue
                }
                do { plaintext = try keyEncryption.open(row.material, context: context) } catch {
                    throw ManagementError(
                        .unavailable,
                        "template \(row.templateID) (instance \(row.instanceID)): \(error.reason); "
                            + "pass the key it was sealed under as --previous-key-encryption-key-file (TESSERA_PREVIOUS_KEK_FILE)")
                }
                report.resealed += 1
            } else {
                plaintext = Array(row.material.utf8)
                report.sealed += 1
            }
            do {
                let material = try keyEncryption.seal(plaintext, context: context, random: random)
                replacements.append(TemplateKeyMaterial.Replacement(stored: row, material: material))
            } catch {
                throw ManagementError(.unavailable, "cannot seal template \(row.templateID)'s signing key: \(error.reason)")
            }
        }
        if !replacements.isEmpty {
            _ = try await storage { () async throws(StorageError) in try await store.replaceTemplateKeyMaterials(replacements) }
        }
        return report
    }
}
