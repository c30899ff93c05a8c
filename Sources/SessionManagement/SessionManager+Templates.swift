public import SessionStorage
public import SessionTokens
import SessionCrypto

/// What the API may set on a JWT template.
public struct TemplateDraft: Sendable {
    public var name: String
    public var claims: JSONObject
    public var lifetime: Int64?
    public var allowedClockSkew: Int64?
    /// `custom_signing_key`, `signing_algorithm` and `signing_key` as asked, judged when saved.
    public var signing: TemplateSigning

    public init(
        name: String, claims: JSONObject, lifetime: Int64? = nil, allowedClockSkew: Int64? = nil, signing: TemplateSigning = TemplateSigning()
    ) {
        self.name = name
        self.claims = claims
        self.lifetime = lifetime
        self.allowedClockSkew = allowedClockSkew
        self.signing = signing
    }

    /// A template with its own signing key.
    public init(name: String, claims: JSONObject, lifetime: Int64? = nil, allowedClockSkew: Int64? = nil, customSigningKey: JWTTemplate.CustomSigningKey) {
        self.init(name: name, claims: claims, lifetime: lifetime, allowedClockSkew: allowedClockSkew, signing: .custom(customSigningKey))
    }
}

extension SessionManager {
    /// A template without a key of its own signs with the tenant's key, so with the tenant's algorithm.
    public func createTemplate(in instance: Instance, _ draft: TemplateDraft) async throws(ManagementError) -> JWTTemplateRecord {
        let instanceAlgorithm = try Self.signingAlgorithm(of: instance)
        let now = clock()
        let record = try sealed(
            Self.record(from: draft, id: try newID("jtmp"), instanceID: instance.id, createdAt: now, updatedAt: now, instanceAlgorithm: instanceAlgorithm))
        let audit = try auditDraft("jwt_template.created", at: now, data: ["template_id": .string(record.id), "name": .string(record.name)])
        try await storingTemplate(named: draft.name) { () async throws(StorageError) in try await store.createTemplate(record, audit: audit) }
        return record
    }

    /// A template write whose name conflict is told in the API's words, not the database's.
    private func storingTemplate(named name: String, _ body: () async throws(StorageError) -> Void) async throws(ManagementError) {
        do { try await body() } catch {
            if error.code == .conflict { throw ManagementError(.conflict, "A JWT template named \(name) already exists", parameter: "name") }
            try await storage { () async throws(StorageError) in throw error }
        }
    }

    public func template(in instance: Instance, id: String) async throws(ManagementError) -> JWTTemplateRecord {
        guard let record = try await storage({ () async throws(StorageError) in try await store.template(instanceID: instance.id, id: id) })
        else { throw ManagementError(.notFound, "No JWT template exists with id: \(id)", resource: .template) }
        return record
    }

    public func templates(in instance: Instance, limit: Int = 10, offset: Int = 0) async throws(ManagementError) -> Page<JWTTemplateRecord> {
        try Self.checkPaging(limit: limit, offset: offset)
        return try await storage { () async throws(StorageError) in try await store.templates(instanceID: instance.id, limit: limit, offset: offset) }
    }

    /// Replaces a template by the draft, under the same rules as `createTemplate`; a draft that
    /// says nothing of signing keeps the template's own key, if it has one.
    public func updateTemplate(in instance: Instance, id: String, _ draft: TemplateDraft) async throws(ManagementError) -> JWTTemplateRecord {
        let instanceAlgorithm = try Self.signingAlgorithm(of: instance)
        let existing = try await template(in: instance, id: id)
        var record = try sealed(
            Self.record(from: draft, id: id, instanceID: instance.id, createdAt: existing.createdAt, updatedAt: clock(), instanceAlgorithm: instanceAlgorithm))
        if draft.signing.isUnspecified, let key = existing.customSigningKey {
            // Still sealed for this template and algorithm: it opens as it is.
            record.customSigningKey = key
            record.signingAlgorithm = existing.signingAlgorithm
        }
        try await startRevocations()
        let stored = record
        var entry: Revocation?
        let audit = try auditDraft(
            "jwt_template.updated", at: stored.updatedAt, data: ["template_id": .string(stored.id), "name": .string(stored.name)])
        try await storingTemplate(named: draft.name) { () async throws(StorageError) in
            entry = try await store.updateTemplate(stored, retainUntil: changeRetention(stored.updatedAt), audit: audit)
        }
        if let entry { try await deliver(entry) }
        return record
    }

    public func deleteTemplate(in instance: Instance, id: String) async throws(ManagementError) {
        try await startRevocations()
        let now = clock()
        let audit = try auditDraft("jwt_template.deleted", at: now, data: ["template_id": .string(id)])
        let entry = try await storage { () async throws(StorageError) in
            try await store.deleteTemplate(instanceID: instance.id, id: id, at: now, retainUntil: changeRetention(now), audit: audit)
        }
        try await deliver(entry)
    }

    /// The dry run: the claims a template renders for a session and the byte size of the token,
    /// without signing.
    public func previewTemplate(in instance: Instance, id: String, sessionID: String) async throws(ManagementError) -> TemplatePreview {
        let record = try await template(in: instance, id: id)
        let session = try await storedSession(in: instance, id: sessionID)
        let user = try await cachedUser(in: instance, id: session.userID)
        let (claims, signer) = try renderTemplate(
            try compile(record), tenant: try await tenantKeys(for: instance), session: session, user: user.templateUser, now: clock(),
            expiresInSeconds: nil, authorizedParty: nil)
        do {
            return try JWTClaims.preview(
                claims: claims, header: JOSEHeader(algorithm: signer.algorithm, keyID: signer.keyID), signatureLength: signer.signatureLength)
        } catch {
            throw ManagementError(.tokenTooLarge, error.reason)
        }
    }

    /// Validates a draft completely (reserved claims, shortcodes, ranges, a usable own key) before
    /// anything is stored.
    /// 1 to 64 characters of ASCII letters, digits, `_`, `-`, `.` and inner spaces: a template's
    /// name is a path segment of the tokens route (`/v1/sessions/{id}/tokens/{name}`).
    public static func isValidTemplateName(_ name: String) -> Bool {
        let bytes = name.utf8
        guard (1...64).contains(bytes.count), bytes.first != UInt8(ascii: " "), bytes.last != UInt8(ascii: " ") else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: " "):
                true
            default: false
            }
        }
    }

    static func record(
        from draft: TemplateDraft, id: String, instanceID: String, createdAt: Int64, updatedAt: Int64, instanceAlgorithm: JWSAlgorithm
    ) throws(ManagementError) -> JWTTemplateRecord {
        guard isValidTemplateName(draft.name) else {
            throw .invalid("name", "name must be 1 to 64 characters of letters, digits, '_', '-', '.' and inner spaces")
        }
        guard isCleanMetadata(.object(draft.claims)) else {
            throw .invalid("claims", "claims must not contain control characters in their keys, or NUL in their values")
        }
        let customSigningKey = try draft.signing.resolved(instanceAlgorithm: instanceAlgorithm)
        let template: JWTTemplate
        do {
            template = try JWTTemplate(
                name: draft.name, claims: draft.claims, lifetime: draft.lifetime ?? 60, allowedClockSkew: draft.allowedClockSkew ?? 5,
                customSigningKey: customSigningKey)
        } catch {
            switch error.code {
            case .reservedClaim: throw ManagementError(.reservedClaim, error.reason, parameter: "claims")
            case .invalidShortcode: throw ManagementError(.invalidTemplate, error.reason, parameter: "claims")
            default: throw ManagementError(.invalidTemplate, error.reason)
            }
        }
        if let custom = customSigningKey {
            do { _ = try SigningKey(templateKey: custom) } catch {
                throw ManagementError(.invalidParameter, "signing_key is unusable for \(custom.algorithm): \(error.reason)", parameter: "signing_key")
            }
        }
        return JWTTemplateRecord(
            id: id, instanceID: instanceID, name: template.name, claims: JSONWriter.string(.object(template.claims)),
            lifetime: template.lifetime, allowedClockSkew: template.allowedClockSkew,
            signingAlgorithm: customSigningKey?.algorithm.rawValue ?? instanceAlgorithm.rawValue,
            customSigningKey: customSigningKey.map { .init(algorithm: $0.algorithm.rawValue, material: $0.material) },
            createdAt: createdAt, updatedAt: updatedAt)
    }

    /// A stored template back as a validated `JWTTemplate`.
    static func template(from record: JWTTemplateRecord) throws(ManagementError) -> JWTTemplate {
        do {
            let claims = try JSONParser.parseObject(Array(record.claims.utf8))
            let key = try record.customSigningKey.map { stored throws(ManagementError) -> JWTTemplate.CustomSigningKey in
                guard let algorithm = JWSAlgorithm(name: stored.algorithm) else {
                    throw ManagementError(.invalidTemplate, "stored signing algorithm \(stored.algorithm) is unknown")
                }
                return JWTTemplate.CustomSigningKey(algorithm: algorithm, material: stored.material)
            }
            return try JWTTemplate(
                name: record.name, claims: claims, lifetime: record.lifetime, allowedClockSkew: record.allowedClockSkew, customSigningKey: key)
        } catch let error as ManagementError {
            throw error
        } catch {
            throw ManagementError(.invalidTemplate, "stored template \(record.id) no longer validates: \(error)")
        }
    }
}

extension SessionManager {
    /// What the tenant's own keys sign with.
    static func signingAlgorithm(of instance: Instance) throws(ManagementError) -> JWSAlgorithm {
        guard let algorithm = JWSAlgorithm(name: instance.signingAlgorithm) else {
            throw ManagementError(.unavailable, "tenant \(instance.slug) has an unknown signing algorithm")
        }
        return algorithm
    }
}
