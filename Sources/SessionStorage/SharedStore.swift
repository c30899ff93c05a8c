/// A store that several processes (nodes) share as their one source of truth, such as PostgreSQL.
///
/// The revocation stream's data always comes from the store's list read after a cursor; what
/// sharing adds is a prompt wake-up when another node commits an entry, and a way to run the jobs
/// that must not run on every node at once. A store that one process owns (in memory) or that a
/// few processes on one machine share with a short poll (SQLite) need not conform.
public protocol SharedStore: SessionStore {
    /// Runs until the calling task is cancelled, calling `wake` whenever a node commits an entry to
    /// the revocation list. A wake-up carries no data: the caller reads the list after its cursor,
    /// so a missed or repeated wake-up costs only latency or one read. `wake` is also called each
    /// time listening (re)starts, since entries may have been committed while nobody listened.
    func followCommits(_ wake: @escaping @Sendable () -> Void) async

    /// Runs `body` unless another process is running the same job; returns whether it ran. The
    /// exclusion lasts as long as this process's hold on the store: a node that dies releases it.
    func exclusively(_ job: ExclusiveJob, _ body: @Sendable () async -> Void) async throws(StorageError) -> Bool
}

/// The periodic jobs that one node at a time runs: each is safe to repeat, but running it on
/// every node at once wastes work (a signing key generated per node, only one of which is kept)
/// or contends on the same rows.
public enum ExclusiveJob: Int32, Sendable, CaseIterable {
    case revocationPruning = 1
    case signingKeyRotation = 2
    case auditPruning = 3
}
