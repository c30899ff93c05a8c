/// One event of a tenant's audit log: who changed what, when and from where. Events are numbered
/// per tenant (`sequence` 1, 2, 3, …) and hash-chained: `hash = SHA-256(previousHash ‖ canonical)`,
/// where `canonical` is the RFC 8785 JSON of every other field (`AuditChain`). An event is written
/// in the same transaction as the change it records.
public struct AuditEvent: Sendable, Hashable {
    public enum ActorType: String, Sendable, Hashable, CaseIterable {
        /// A call made with one of the tenant's secret keys (`/v1`, the admin surface).
        case secretKey = "secret_key"
        /// The signed-in user, through the user side.
        case user
        case `operator`
        /// The server's own jobs (pruning, anomaly revocations).
        case system
    }

    public struct Actor: Sendable, Hashable {
        public var type: ActorType
        /// The secret key's id, the user's id, the operator key's id, or `tessera` for the system.
        public var id: String
        public init(type: ActorType, id: String) {
            self.type = type
            self.id = id
        }
        public static let system = Actor(type: .system, id: "tessera")
    }

    /// `aud_` and 32 lowercase hex digits.
    public var id: String
    public var instanceID: String
    /// 1 for a tenant's first event; no holes, except the pruned prefix (`audit.pruned`).
    public var sequence: Int64
    /// `auth.session_revoked`, `user.created`, …
    public var type: String
    /// Unix milliseconds.
    public var occurredAt: Int64
    public var actor: Actor
    public var userID: String?
    public var sessionID: String?
    /// The address and user agent of the request that made the change, when there was one.
    public var ipAddress: String?
    public var userAgent: String?
    public var data: AuditData
    /// 32 bytes: the previous event's `hash`, zeros for a tenant's first event.
    public var previousHash: [UInt8]
    /// 32 bytes.
    public var hash: [UInt8]

    public init(
        id: String, instanceID: String, sequence: Int64, type: String, occurredAt: Int64, actor: Actor, userID: String?,
        sessionID: String?, ipAddress: String?, userAgent: String?, data: AuditData, previousHash: [UInt8], hash: [UInt8]
    ) {
        self.id = id
        self.instanceID = instanceID
        self.sequence = sequence
        self.type = type
        self.occurredAt = occurredAt
        self.actor = actor
        self.userID = userID
        self.sessionID = sessionID
        self.ipAddress = ipAddress
        self.userAgent = userAgent
        self.data = data
        self.previousHash = previousHash
        self.hash = hash
    }

    /// Every text field, for `StoredText.check`, and the data's keys.
    public func checkStorable() throws(StorageError) {
        try StoredText.check([
            "id": id, "instance_id": instanceID, "type": type, "actor_id": actor.id, "user_id": userID, "session_id": sessionID,
            "ip_address": ipAddress, "user_agent": userAgent,
        ])
        for (key, value) in data {
            guard AuditValue.isValidKey(key) else { throw StorageError(.constraint, "audit data key \(key) is not [A-Za-z0-9_]{1,64}") }
            switch value {
            case .string(let text): try StoredText.check(["data.\(key)": text])
            case .strings(let list): for text in list { try StoredText.check(["data.\(key)": text]) }
            case .integer, .bool: break
            }
        }
    }
}

/// An event before the store numbers and chains it: everything but `sequence` and the hashes.
public struct AuditDraft: Sendable, Hashable {
    public var id: String
    public var type: String
    public var occurredAt: Int64
    public var actor: AuditEvent.Actor
    public var userID: String?
    public var sessionID: String?
    public var ipAddress: String?
    public var userAgent: String?
    public var data: AuditData

    public init(
        id: String, type: String, occurredAt: Int64, actor: AuditEvent.Actor, userID: String? = nil, sessionID: String? = nil,
        ipAddress: String? = nil, userAgent: String? = nil, data: AuditData = [:]
    ) {
        self.id = id
        self.type = type
        self.occurredAt = occurredAt
        self.actor = actor
        self.userID = userID
        self.sessionID = sessionID
        self.ipAddress = ipAddress
        self.userAgent = userAgent
        self.data = data
    }
}
