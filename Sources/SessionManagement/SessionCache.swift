import SessionStorage
import Synchronization

/// Sessions by id, as last read or written by this process, so that the hot paths (tokens, the
/// deprecated verify, `GET /v1/sessions/{id}`) need no database read.
///
/// Correct because every write to a session goes through this process's `SessionManager`, which
/// updates the cache after each commit (create, touch, revoke) and drops a user's sessions on
/// user-wide revocation. That holds for one server per SQLite file, Tessera's single-node mode;
/// several instances (PostgreSQL) will invalidate through the revocation feed instead.
final class SessionCache: Sendable {
    private let sessions = Mutex<[String: Session]>([:])
    private static let capacity = 200_000

    func session(instanceID: String, id: String) -> Session? {
        sessions.withLock { $0[id] }.flatMap { $0.instanceID == instanceID ? $0 : nil }
    }

    func remember(_ session: Session) {
        sessions.withLock { sessions in
            if sessions.count >= Self.capacity, sessions[session.id] == nil { sessions.removeAll(keepingCapacity: true) }
            sessions[session.id] = session
        }
    }

    func forgetUser(_ userID: String) {
        sessions.withLock { sessions in sessions = sessions.filter { $0.value.userID != userID } }
    }
}
