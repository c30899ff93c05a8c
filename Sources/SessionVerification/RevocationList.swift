import Synchronization

/// The revocations a verifier knows: revoked session ids, and per-user "not before" instants
/// that revoke every token of that user issued at or before them (how "sign out everywhere" and
/// user deletion reach template tokens, which carry no `sid`).
public struct RevocationSnapshot: Sendable, Hashable {
    public var sessions: Set<String>
    /// User id → instant in Unix milliseconds.
    public var usersNotBefore: [String: Int64]

    public init(sessions: Set<String> = [], usersNotBefore: [String: Int64] = [:]) {
        self.sessions = sessions
        self.usersNotBefore = usersNotBefore
    }

    public var count: Int { sessions.count + usersNotBefore.count }

    /// `iat` has whole seconds, so a token issued in the same second as a user-wide cut-off is
    /// treated as revoked: erring towards refusal for at most one second.
    @inline(__always)
    public func isRevoked(sessionID: String?, userID: String?, issuedAt: Int64) -> Bool {
        if let sessionID, !sessions.isEmpty, sessions.contains(sessionID) { return true }
        if let userID, !usersNotBefore.isEmpty, let cutoff = usersNotBefore[userID] {
            return issuedAt &* 1000 <= cutoff
        }
        return false
    }
}

/// An updatable revocation set shared by verifiers on many threads.
///
/// Readers take a short lock to test membership; writers replace or extend the snapshot.
public final class RevocationList: Sendable {
    private let state: Mutex<RevocationSnapshot>

    public init(_ snapshot: RevocationSnapshot = RevocationSnapshot()) {
        state = Mutex(snapshot)
    }

    public var snapshot: RevocationSnapshot { state.withLock { $0 } }
    public var count: Int { state.withLock { $0.count } }

    public func replace(with snapshot: RevocationSnapshot) {
        state.withLock { $0 = snapshot }
    }

    public func revokeSession(_ sessionID: String) {
        _ = state.withLock { $0.sessions.insert(sessionID) }
    }

    /// Revokes every token of `userID` issued at or before `instant` (Unix milliseconds).
    public func revokeUser(_ userID: String, notBefore instant: Int64) {
        state.withLock { snapshot in
            snapshot.usersNotBefore[userID] = max(snapshot.usersNotBefore[userID] ?? .min, instant)
        }
    }

    @inline(__always)
    public func isRevoked(sessionID: String?, userID: String?, issuedAt: Int64) -> Bool {
        state.withLock { $0.isRevoked(sessionID: sessionID, userID: userID, issuedAt: issuedAt) }
    }
}
