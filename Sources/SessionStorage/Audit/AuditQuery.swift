/// Which audit events to read: always one tenant's, a keyset page at a time by sequence.
public struct AuditQuery: Sendable, Hashable {
    public enum Order: Sendable, Hashable {
        /// Sequence ascending, starting after `cursor` (the admin surface, verifiers).
        case oldestFirst
        /// Sequence descending, starting before `cursor` (the user side).
        case newestFirst
    }

    public var instanceID: String
    public var type: String?
    public var userID: String?
    public var sessionID: String?
    /// A sequence: the page starts after it (oldest first) or before it (newest first).
    public var cursor: Int64?
    public var limit: Int
    public var order: Order

    public init(
        instanceID: String, type: String? = nil, userID: String? = nil, sessionID: String? = nil, cursor: Int64? = nil, limit: Int,
        order: Order = .oldestFirst
    ) {
        self.instanceID = instanceID
        self.type = type
        self.userID = userID
        self.sessionID = sessionID
        self.cursor = cursor
        self.limit = limit
        self.order = order
    }

    /// Whether `event` passes the filters (drivers without an index use it; SQL drivers say the same in SQL).
    public func matches(_ event: AuditEvent) -> Bool {
        event.instanceID == instanceID && (type == nil || event.type == type) && (userID == nil || event.userID == userID)
            && (sessionID == nil || event.sessionID == sessionID)
            && {
                guard let cursor else { return true }
                return order == .oldestFirst ? event.sequence > cursor : event.sequence < cursor
            }()
    }
}
