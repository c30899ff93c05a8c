public import SessionStorage

/// What the tenant's OAuth server sends when the user grants a client access.
public struct ConsentDraft: Sendable {
    public var clientID: String
    public var clientName: String
    public var scopes: [String]

    public init(clientID: String, clientName: String, scopes: [String]) {
        self.clientID = clientID
        self.clientName = clientName
        self.scopes = scopes
    }
}

extension SessionManager {
    /// `[A-Za-z0-9._~:-]{1,128}`: an OAuth client id as a token may carry it in `client_id`.
    public static func isValidClientID(_ text: String) -> Bool {
        let bytes = text.utf8
        return (1...128).contains(bytes.count) && bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: ":"), UInt8(ascii: "-"):
                true
            default: false
            }
        }
    }

    /// An RFC 6749 scope token (`%x21 / %x23-5B / %x5D-7E`), at most 128 bytes.
    public static func isValidScope(_ text: String) -> Bool {
        let bytes = text.utf8
        return (1...128).contains(bytes.count) && bytes.allSatisfy { $0 == 0x21 || (0x23...0x5B).contains($0) || (0x5D...0x7E).contains($0) }
    }

    /// Grants (or re-grants, updating in place) the user's consent to a client.
    public func grantConsent(in instance: Instance, userID: String, _ draft: ConsentDraft) async throws(ManagementError) -> Consent {
        guard Self.isValidClientID(draft.clientID) else {
            throw .invalid("clientId", "clientId must be 1 to 128 characters of A-Z, a-z, 0-9 and . _ ~ : -")
        }
        let nameBytes = draft.clientName.utf8
        guard (1...200).contains(nameBytes.count), StoredText.isClean(draft.clientName),
            !draft.clientName.unicodeScalars.contains(where: { $0.properties.generalCategory == .format || $0.value == 0x85 })
        else { throw .invalid("clientName", "clientName must be 1 to 200 bytes of text without control characters") }
        guard draft.scopes.count <= 64, draft.scopes.allSatisfy(Self.isValidScope), Set(draft.scopes).count == draft.scopes.count else {
            throw .invalid("scopes", "scopes must be at most 64 distinct RFC 6749 scope tokens of at most 128 characters")
        }
        _ = try await storedUser(in: instance, id: userID)
        let now = clock()
        let consent = Consent(
            id: try newID("cnst"), instanceID: instance.id, userID: userID, clientID: draft.clientID, clientName: draft.clientName,
            scopes: draft.scopes, grantedAt: now)
        let audit = try auditDraft(
            "auth.consent_granted", userID: userID, at: now,
            data: ["client_id": .string(draft.clientID), "client_name": .string(draft.clientName), "scopes": .strings(draft.scopes)])
        return try await storage { () async throws(StorageError) in try await store.grantConsent(consent, audit: audit) }
    }

    /// Every consent of the user, revoked ones included, newest grant first.
    public func consents(in instance: Instance, userID: String) async throws(ManagementError) -> [Consent] {
        try await storage { () async throws(StorageError) in try await store.consents(instanceID: instance.id, userID: userID) }
    }

    /// Revokes the user's consent: from then on every verifier following the feed refuses the
    /// user's tokens for that client (and only that user's). A consent of another user is not
    /// found. Idempotent.
    public func revokeConsent(in instance: Instance, userID: String, consentID: String) async throws(ManagementError) -> Consent {
        guard let consent = try await storage({ () async throws(StorageError) in try await store.consent(instanceID: instance.id, id: consentID) }),
            consent.userID == userID
        else { throw .notFound(.consent, consentID) }
        try await startRevocations()
        let now = clock()
        let audit = try auditDraft(
            "auth.consent_revoked", userID: userID, at: now,
            data: ["consent_id": .string(consentID), "client_id": .string(consent.clientID)])
        let (revoked, entry) = try await storage { () async throws(StorageError) in
            try await store.revokeConsent(instanceID: instance.id, id: consentID, at: now, retainUntil: userWideRetention(now), audit: audit)
        }
        if let entry { try await deliver(entry) }
        return revoked
    }

    /// The user's active consent to `clientID` for a token issued at `issuedAt` (Unix ms, the
    /// start of the token's `iat` second), read from the store (never a cache).
    ///
    /// No token may escape a revocation of the consent: the consent's stored `lastUsedAt` must
    /// reach `issuedAt` before the token is signed. When it does not yet, it is moved there by a
    /// write that only succeeds while the consent is active (at most one write a second per
    /// consent). A revocation reads `lastUsedAt` in its own transaction and cuts off at the later
    /// of it and its clock, so either it comes first and this write fails, or its cut-off covers
    /// the token (the same argument as a session's token horizon, Decision 0012).
    func activeConsent(in instance: Instance, userID: String, clientID: String, issuedAt: Int64) async throws(ManagementError) -> Consent {
        guard Self.isValidClientID(clientID) else { throw .invalid("clientId", "clientId must be 1 to 128 characters of A-Z, a-z, 0-9 and . _ ~ : -") }
        let refused = ManagementError(.consentRequired, "The user has no active consent for client \(clientID)", parameter: "clientId")
        let all = try await consents(in: instance, userID: userID)
        guard var consent = all.first(where: { $0.clientID == clientID && $0.status == .active }) else { throw refused }
        if (consent.lastUsedAt ?? .min) < issuedAt {
            let stored = consent
            guard try await storage({ () async throws(StorageError) in
                try await store.markConsentUsed(instanceID: stored.instanceID, id: stored.id, at: issuedAt)
            }) else { throw refused }
            consent.lastUsedAt = issuedAt
        }
        return consent
    }
}
