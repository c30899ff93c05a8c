import SessionCrypto
import SessionStorage
import SessionTokens

/// A tenant's signing keys are sealed under the operator's key-encryption key before they are
/// stored and opened only in memory (Decision 0010); the store never sees them in the clear.
extension SessionManager {
    /// The associated data a signing key is sealed with: its instance, `kid` and algorithm, so a
    /// sealed value copied into another row does not open.
    static func signingKeyContext(instanceID: String, keyID: String, algorithm: String) -> [UInt8] {
        Array("tessera/signing_key/v1\u{0}\(instanceID)\u{0}\(keyID)\u{0}\(algorithm)".utf8)
    }

    func sealedRecord(_ key: SigningKey, instance: Instance, generation: Int64, now: Int64, activatesAt: Int64) throws(ManagementError) -> SigningKeyRecord {
        guard let keyEncryption else { throw ManagementError(.unavailable, "this server has no key-encryption key, so it cannot store signing keys") }
        guard let keyID = key.keyID else { throw ManagementError(.unavailable, "the key has no kid") }
        let material: String
        do {
            material = try keyEncryption.seal(
                Array(try key.privateKeyPEM().utf8),
                context: Self.signingKeyContext(instanceID: instance.id, keyID: keyID, algorithm: key.algorithm.rawValue), random: random)
        } catch {
            throw ManagementError(.unavailable, "cannot seal the signing key: \(error.reason)")
        }
        return SigningKeyRecord(
            keyID: keyID, instanceID: instance.id, generation: generation, algorithm: key.algorithm.rawValue, material: material,
            createdAt: now, activatesAt: activatesAt)
    }

    func openSigningKey(_ record: SigningKeyRecord) throws(ManagementError) -> SigningKey {
        guard let keyEncryption else {
            throw ManagementError(.unavailable, "the tenant's signing keys are sealed and this server has no key-encryption key")
        }
        do throws(CryptoError) {
            let pem = try keyEncryption.open(
                record.material, context: Self.signingKeyContext(instanceID: record.instanceID, keyID: record.keyID, algorithm: record.algorithm))
            let key = try SigningKey(pem: String(decoding: pem, as: UTF8.self))
            guard key.keyID == record.keyID, key.algorithm.rawValue == record.algorithm else {
                throw CryptoError(.invalidKey, "the stored key does not match its kid or algorithm")
            }
            return key
        } catch {
            throw ManagementError(.unavailable, "cannot open signing key \(record.keyID): \(error.reason)")
        }
    }

    /// The start-up pass for signing keys: re-seals keys made under the previous key-encryption
    /// key, in one transaction; returns how many were re-sealed. Throws, changing nothing, when a
    /// key does not open under either.
    public func resealSigningKeys() async throws(ManagementError) -> Int {
        let stored = try await storage { () async throws(StorageError) in try await store.allSigningKeys() }
        guard !stored.isEmpty else { return 0 }
        guard let keyEncryption else {
            throw ManagementError(
                .unavailable,
                "the database holds \(stored.count) signing key(s) but no key-encryption key is configured: give the one they were sealed under")
        }
        var replacements: [SigningKeyRecord.Replacement] = []
        for row in stored {
            guard let value = SealedValue(row.material), value.keyID != keyEncryption.current.id else { continue }
            let context = Self.signingKeyContext(instanceID: row.instanceID, keyID: row.keyID, algorithm: row.algorithm)
            do {
                let plaintext = try keyEncryption.open(row.material, context: context)
                replacements.append(.init(stored: row, material: try keyEncryption.seal(plaintext, context: context, random: random)))
            } catch {
                throw ManagementError(
                    .unavailable,
                    "signing key \(row.keyID): \(error.reason); give the key-encryption key it was sealed under (--key-encryption-key-file, or --previous-key-encryption-key-file while rotating)")
            }
        }
        guard !replacements.isEmpty else { return 0 }
        return try await storage { () async throws(StorageError) in try await store.replaceSigningKeyMaterials(replacements) }
    }
}
