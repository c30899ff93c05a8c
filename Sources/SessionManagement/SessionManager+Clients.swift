public import SessionStorage

/// A client (a browser or device) with its sessions, as Clerk's Backend API shows it.
public struct ClientView: Sendable, Hashable {
    public var client: Client
    /// Newest first, statuses as of the read.
    public var sessions: [Session]

    /// The active session used most recently, as Clerk's `last_active_session_id`.
    public var lastActiveSession: Session? {
        sessions.filter { $0.status == .active }.max { ($0.lastActiveAt, $0.id) < ($1.lastActiveAt, $1.id) }
    }
}

extension SessionManager {
    /// Sessions shown per client: Clerk's list limit. A client with more shows its newest.
    static let sessionsPerClient = 500

    /// The instance's clients, newest first.
    public func clients(in instance: Instance, limit: Int = 10, offset: Int = 0) async throws(ManagementError) -> Page<ClientView> {
        try Self.checkPaging(limit: limit, offset: offset)
        let page = try await storage { () async throws(StorageError) in try await store.clients(instanceID: instance.id, limit: limit, offset: offset) }
        var views: [ClientView] = []
        for client in page.items { views.append(try await view(of: client)) }
        return Page(items: views, totalCount: page.totalCount)
    }

    /// The client of this instance (another instance's client is `notFound`).
    public func client(in instance: Instance, id: String) async throws(ManagementError) -> ClientView {
        guard let client = try await storage({ () async throws(StorageError) in try await store.client(instanceID: instance.id, id: id) }) else {
            throw .notFound(.client, id)
        }
        return try await view(of: client)
    }

    private func view(of client: Client) async throws(ManagementError) -> ClientView {
        let now = clock()
        let query = SessionQuery(instanceID: client.instanceID, clientID: client.id, limit: Self.sessionsPerClient, now: now)
        let page = try await storage { () async throws(StorageError) in try await store.sessions(query) }
        return ClientView(client: client, sessions: page.items.map { presented($0, at: now) })
    }
}
