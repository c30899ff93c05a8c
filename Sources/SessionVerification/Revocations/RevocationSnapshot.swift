/// The revocations a verifier knows: revoked session ids (a user-wide entry adds the sessions it
/// lists), and per-user "not before" instants that revoke every token of that user without a
/// `sid` issued at or before them. Each entry remembers until when it
/// matters (`retain_until`), so a long-running follower can drop what no valid token can need.
///
/// Tessera's session ids are `sess_` and 32 lowercase hex digits (128 random bits); they are kept
/// as the 128-bit number they spell, which is exact and costs about 20 bytes an entry in place of a
/// heap string (a million revoked sessions fit in about 40 MiB, plus the list's 2 MiB filter). Other ids are kept as strings.
public struct RevocationSnapshot: Sendable {
    /// Session id → retain-until in Unix seconds, rounded up; `UInt32.max` is "forever".
    var compactSessions: [UInt128: UInt32] = [:]
    /// Session ids in any other form → retain-until in Unix milliseconds.
    var otherSessions: [String: Int64] = [:]
    var users: [String: UserCutoff] = [:]
    /// User → OAuth client → cut-off: a revoked consent refuses the user's tokens for that client
    /// (`client_id`) issued at or before it.
    var consents: [String: [String: UserCutoff]] = [:]

    struct UserCutoff: Sendable, Hashable {
        /// Unix milliseconds: tokens issued at or before it are revoked.
        var notBefore: Int64
        var retainUntil: Int64
    }

    public init(sessions: Set<String> = [], usersNotBefore: [String: Int64] = [:]) {
        for session in sessions { revokeSession(session) }
        for (user, instant) in usersNotBefore { revokeUser(user, notBefore: instant) }
    }

    public var count: Int { compactSessions.count + otherSessions.count + users.count + consents.values.reduce(0) { $0 + $1.count } }
    public var isEmpty: Bool { compactSessions.isEmpty && otherSessions.isEmpty && users.isEmpty && consents.isEmpty }

    /// Refuses every token of `userID` for the OAuth client `clientID` issued at or before
    /// `notBefore` (Unix milliseconds): a revoked consent.
    public mutating func revokeConsent(userID: String, clientID: String, notBefore: Int64, retainUntil: Int64 = .max) {
        let previous = consents[userID]?[clientID]
        consents[userID, default: [:]][clientID] = UserCutoff(
            notBefore: max(previous?.notBefore ?? .min, notBefore), retainUntil: max(previous?.retainUntil ?? .min, retainUntil))
    }

    /// Whether the user has any revoked consent on the list: only then does a verifier read the
    /// token's `client_id`.
    @inline(__always)
    func hasConsents(of userID: String?) -> Bool {
        guard let userID, !consents.isEmpty else { return false }
        return consents[userID] != nil
    }

    @inline(__always)
    func isConsentRevoked(userID: String, clientID: String, issuedAt: Int64) -> Bool {
        guard let cutoff = consents[userID]?[clientID] else { return false }
        // Checked like the user cut-off: an `iat` whose milliseconds overflow is past every cut-off (or before, if negative).
        let (issuedAtMilliseconds, overflow) = issuedAt.multipliedReportingOverflow(by: 1000)
        if overflow { return issuedAt < 0 }
        return issuedAtMilliseconds <= cutoff.notBefore
    }

    /// Revokes a session until `retainUntil` (Unix milliseconds; by default, for as long as the snapshot lives).
    public mutating func revokeSession(_ id: String, retainUntil: Int64 = .max) {
        if let key = Self.compactKey(id) {
            // Rounded up without overflow: any instant past UInt32's seconds is "forever".
            let (rounded, overflow) = retainUntil.addingReportingOverflow(999)
            let seconds = overflow ? UInt32.max : UInt32(clamping: rounded / 1000)
            compactSessions[key] = max(compactSessions[key] ?? 0, seconds)
        } else {
            otherSessions[id] = max(otherSessions[id] ?? .min, retainUntil)
        }
    }

    /// Revokes every token of `userID` issued at or before `notBefore` (Unix milliseconds).
    public mutating func revokeUser(_ id: String, notBefore: Int64, retainUntil: Int64 = .max) {
        let previous = users[id]
        users[id] = UserCutoff(
            notBefore: max(previous?.notBefore ?? .min, notBefore), retainUntil: max(previous?.retainUntil ?? .min, retainUntil))
    }

    /// Adds every entry of `other`.
    public mutating func merge(_ other: RevocationSnapshot) {
        compactSessions.reserveCapacity(compactSessions.count + other.compactSessions.count)
        compactSessions.merge(other.compactSessions, uniquingKeysWith: max)
        otherSessions.merge(other.otherSessions, uniquingKeysWith: max)
        users.merge(other.users) { UserCutoff(notBefore: max($0.notBefore, $1.notBefore), retainUntil: max($0.retainUntil, $1.retainUntil)) }
        for (user, clients) in other.consents {
            for (client, cutoff) in clients {
                revokeConsent(userID: user, clientID: client, notBefore: cutoff.notBefore, retainUntil: cutoff.retainUntil)
            }
        }
    }

    /// The entries still needed at `now` (Unix milliseconds): an entry past its retain-until
    /// affects only tokens that have expired.
    public func removingExpired(now: Int64) -> RevocationSnapshot {
        var kept = RevocationSnapshot()
        let seconds = now / 1000
        kept.compactSessions = compactSessions.filter { Int64($0.value) > seconds }
        kept.otherSessions = otherSessions.filter { $0.value > now }
        kept.users = users.filter { $0.value.retainUntil > now }
        kept.consents = consents.compactMapValues { clients in
            let live = clients.filter { $0.value.retainUntil > now }
            return live.isEmpty ? nil : live
        }
        return kept
    }

    public func containsSession(_ id: String) -> Bool {
        if let key = Self.compactKey(id) { return compactSessions[key] != nil }
        return otherSessions[id] != nil
    }

    /// A token with a `sid` is revoked when its session is: a user-wide entry lists its sessions,
    /// so a session opened after "sign out everywhere", even in the same second, is untouched. A
    /// token without `sid` (a template token minted before they carried one) is revoked by its
    /// user's cut-off; `iat` has whole seconds, so one issued in the cut-off's second is refused.
    @inline(__always)
    public func isRevoked(sessionID: String?, userID: String?, issuedAt: Int64) -> Bool {
        if let sessionID { return containsSession(sessionID) }
        return isUserRevoked(userID, issuedAt: issuedAt)
    }

    /// Applies a user-wide entry: its sessions, and the cut-off for tokens without `sid`.
    public mutating func revokeUser(_ id: String, notBefore: Int64, sessionIDs: [String], retainUntil: Int64 = .max) {
        for session in sessionIDs { revokeSession(session, retainUntil: retainUntil) }
        revokeUser(id, notBefore: notBefore, retainUntil: retainUntil)
    }

    /// The session part of `isRevoked` with the id already converted (`compactKey` of it, or `nil`).
    @inline(__always)
    func containsSession(_ id: String, key: UInt128?) -> Bool {
        if let key { return !compactSessions.isEmpty && compactSessions[key] != nil }
        return !otherSessions.isEmpty && otherSessions[id] != nil
    }

    @inline(__always)
    func isUserRevoked(_ userID: String?, issuedAt: Int64) -> Bool {
        if let userID, !users.isEmpty, let cutoff = users[userID] {
            // Checked: `iat` comes from the token. On overflow the product lies beyond every cut-off,
            // below them all when `iat` is negative.
            let (issuedAtMilliseconds, overflow) = issuedAt.multipliedReportingOverflow(by: 1000)
            return overflow ? issuedAt < 0 : issuedAtMilliseconds <= cutoff.notBefore
        }
        return false
    }

    /// The 128-bit number of `sess_` + 32 lowercase hex digits, or `nil` for any other form (so
    /// two different strings never share a key).
    @inline(__always)
    static func compactKey(_ id: String) -> UInt128? {
        var id = id
        return id.withUTF8 { bytes -> UInt128? in
            guard bytes.count == 37, bytes[0] == 0x73, bytes[1] == 0x65, bytes[2] == 0x73, bytes[3] == 0x73, bytes[4] == 0x5F else {
                return nil
            }
            var value: UInt128 = 0
            for index in 5..<37 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case 0x30...0x39: digit = byte &- 0x30
                case 0x61...0x66: digit = byte &- 0x61 &+ 10
                default: return nil
                }
                value = value &<< 4 | UInt128(digit)
            }
            return value
        }
    }
}
