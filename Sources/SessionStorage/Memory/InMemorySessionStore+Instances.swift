/// The in-memory twin's instances, their signing keys and their secret keys.
extension InMemorySessionStore {
    // MARK: Instances and secret keys

    public func createInstance(_ instance: Instance, signingKey: SigningKeyRecord?, audit: AuditDraft?) throws(StorageError) {
        try Self.checkStorable(instance)
        guard instanceTable[instance.id] == nil, !instanceTable.values.contains(where: { $0.slug == instance.slug }) else {
            throw StorageError(.conflict, "instance \(instance.id) or slug \(instance.slug) exists")
        }
        if let signingKey { try checkNewSigningKey(signingKey, instance: instance) }
        instanceTable[instance.id] = instance
        if let signingKey { signingKeyList.append(signingKey) }
        // Checked after the instance exists (an event needs its tenant); nothing above can fail afterwards.
        do { commit(try prepare(audit, instanceID: instance.id)) } catch {
            instanceTable[instance.id] = nil
            if let signingKey { signingKeyList.removeAll { $0 == signingKey } }
            throw error
        }
    }

    static func checkStorable(_ instance: Instance) throws(StorageError) {
        try StoredText.check(["id": instance.id, "slug": instance.slug, "signing_algorithm": instance.signingAlgorithm])
        for origin in instance.allowedOrigins { try StoredText.check(["allowed_origins": origin]) }
        guard ["RS256", "ES256", "EdDSA"].contains(instance.signingAlgorithm) else {
            throw StorageError(.constraint, "signing algorithm \(instance.signingAlgorithm) is not RS256, ES256 or EdDSA")
        }
    }

    public func instance(id: String) -> Instance? { instanceTable[id] }

    public func instance(slug: String) -> Instance? { instanceTable.values.first { $0.slug == slug } }

    public func instances() -> [Instance] { instanceTable.values.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) } }

    public func signingKeys(instanceID: String) -> [SigningKeyRecord] {
        signingKeyList.filter { $0.instanceID == instanceID }.sorted { $0.generation < $1.generation }
    }

    func checkNewSigningKey(_ key: SigningKeyRecord, instance: Instance) throws(StorageError) {
        try StoredText.check(["kid": key.keyID, "algorithm": key.algorithm, "material": key.material])
        guard key.generation > 0, key.algorithm == instance.signingAlgorithm else {
            throw StorageError(.constraint, "a signing key needs a positive generation and its instance's algorithm")
        }
        guard !signingKeyList.contains(where: { $0.keyID == key.keyID || ($0.instanceID == key.instanceID && $0.generation == key.generation) }) else {
            throw StorageError(.conflict, "signing key \(key.keyID) or generation \(key.generation) exists")
        }
    }

    public func addSigningKey(_ key: SigningKeyRecord, retainUntil: Int64, audit: AuditDraft?) throws(StorageError) -> Revocation {
        guard let instance = instanceTable[key.instanceID] else { throw Self.missing("instance", key.instanceID) }
        try checkNewSigningKey(key, instance: instance)
        let event = try prepare(audit, instanceID: key.instanceID)
        signingKeyList.append(key)
        defer { commit(event) }
        return append(instanceID: key.instanceID, target: .signingKey(id: key.keyID), at: key.createdAt, retainUntil: retainUntil)
    }

    public func allSigningKeys() -> [SigningKeyRecord] { signingKeyList }

    public func replaceSigningKeyMaterials(_ replacements: [SigningKeyRecord.Replacement]) -> Int {
        var replaced = 0
        for replacement in replacements {
            guard let index = signingKeyList.firstIndex(of: replacement.stored) else { continue }
            signingKeyList[index].material = replacement.material
            replaced += 1
        }
        return replaced
    }

    public func addSecretKey(_ key: SecretKeyRecord, audit: AuditDraft?) throws(StorageError) {
        try StoredText.check(["id": key.id, "instance_id": key.instanceID, "display_prefix": key.displayPrefix])
        guard instanceTable[key.instanceID] != nil else { throw Self.missing("instance", key.instanceID) }
        guard secretKeys[key.id] == nil, !secretKeys.values.contains(where: { $0.hash == key.hash }) else {
            throw StorageError(.conflict, "secret key \(key.id) exists")
        }
        let event = try prepare(audit, instanceID: key.instanceID)
        secretKeys[key.id] = key
        commit(event)
    }

    public func secretKey(hash: [UInt8]) -> SecretKeyRecord? {
        secretKeys.values.first { $0.hash == hash && $0.revokedAt == nil }
    }

    public func secretKeys(instanceID: String) -> [SecretKeyRecord] {
        secretKeys.values.filter { $0.instanceID == instanceID }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    public func revokeSecretKey(instanceID: String, id: String, at: Int64, retainUntil: Int64, audit: AuditDraft?) throws(StorageError) -> (SecretKeyRecord, Revocation?) {
        guard var key = secretKeys[id], key.instanceID == instanceID else { throw Self.missing("secret key", id) }
        guard key.revokedAt == nil else { return (key, nil) }
        let event = try prepare(audit, instanceID: instanceID)
        defer { commit(event) }
        key.revokedAt = at
        secretKeys[id] = key
        return (key, append(instanceID: instanceID, target: .secretKey(id: id), at: at, retainUntil: retainUntil))
    }

    public func updateInstance(_ instance: Instance, retainUntil: Int64, audit: AuditDraft?) throws(StorageError) -> (Instance, Revocation) {
        guard var stored = instanceTable[instance.id] else { throw Self.missing("instance", instance.id) }
        stored.allowedOrigins = instance.allowedOrigins
        stored.anomalyAction = instance.anomalyAction
        try Self.checkStorable(stored)
        let event = try prepare(audit, instanceID: instance.id)
        instanceTable[instance.id] = stored
        commit(event)
        return (stored, append(instanceID: instance.id, target: .tenantChanged(id: instance.id), at: audit?.occurredAt ?? 0, retainUntil: retainUntil))
    }

    public func markSecretKeyUsed(id: String, at: Int64) {
        guard var key = secretKeys[id] else { return }
        key.lastUsedAt = max(key.lastUsedAt ?? 0, at)
        secretKeys[id] = key
    }
}
