public import SessionStorage

/// Nodes on one database wake each other through LISTEN/NOTIFY and take turns at the periodic
/// jobs through advisory locks (PostgresCoordination).
extension PostgresSessionStore: SharedStore {
    public func followCommits(_ wake: @escaping @Sendable () -> Void) async {
        await coordination.follow(wake)
    }

    public func exclusively(_ job: ExclusiveJob, _ body: @Sendable () async -> Void) async throws(StorageError) -> Bool {
        try await coordination.exclusively(job, body)
    }
}
