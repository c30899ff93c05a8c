/// One entry of the revocation list, the ordered stream of committed revocations that every
/// in-memory view follows: a session; every session of a user; a secret key; a new signing key; or a change to
/// a row that processes keep in memory (a user, a JWT template). Entries are
/// numbered in the order they were committed and leave the list only after `retainUntil`, when
/// nothing they could affect is still valid.
public struct Revocation: Sendable, Hashable {
    public enum Target: Sendable, Hashable {
        case session(id: String)
        /// Every session the user had when the entry was committed (`sessionIDs`, listed so that
        /// a token of one of them is refused whenever it was minted, and a session opened after
        /// the entry is untouched), plus every token without `sid` issued at or before
        /// `notBefore` (Unix milliseconds).
        case user(id: String, notBefore: Int64, sessionIDs: [String])
        /// A secret or verifier key: no process may accept it any more. Not shown to verifiers.
        case secretKey(id: String)
        /// A signing key was added to the instance (a rotation, by its `kid`): every process reloads
        /// the instance's keys. Not shown to verifiers, who learn keys from the JWKS.
        case signingKey(id: String)
        /// The user's row changed (names, contacts, metadata): every process drops its copy, so the
        /// next template token reads the new one. Not shown to verifiers.
        case userUpdated(id: String)
        /// A template of the instance was changed or deleted (by id): every process drops its
        /// compiled templates of that instance. Not shown to verifiers.
        case templateChanged(id: String)
        /// "Sign out all other sessions": every session the user had when the entry was committed
        /// but `keptSessionID` (the one that asked), listed like a user-wide entry, plus every token
        /// of the user without `sid` issued at or before `notBefore` (none of them can show it
        /// belongs to the kept session). The kept session's tokens stay valid.
        case otherSessions(userID: String, keptSessionID: String, notBefore: Int64, sessionIDs: [String])
        /// A consent was revoked: every token of `userID` minted for the OAuth client `clientID`
        /// (its `client_id` claim) and issued at or before `notBefore` (Unix milliseconds) is refused.
        case consent(id: String, userID: String, clientID: String, notBefore: Int64)
        /// The tenant's settings changed (allowed origins, anomaly action): every process reloads
        /// the tenant. Not shown to verifiers.
        case tenantChanged(id: String)
    }

    /// Strictly increasing across the whole store, never reused.
    public var sequence: Int64
    public var instanceID: String
    public var target: Target
    /// Unix milliseconds.
    public var revokedAt: Int64
    public var retainUntil: Int64

    public init(sequence: Int64, instanceID: String, target: Target, revokedAt: Int64, retainUntil: Int64) {
        self.sequence = sequence
        self.instanceID = instanceID
        self.target = target
        self.revokedAt = revokedAt
        self.retainUntil = retainUntil
    }
}

/// Where the revocation list stands: what a feed needs to tell a current cursor from one that is
/// ahead of the store (a restored or replaced database) or behind what was pruned.
public struct RevocationBounds: Sendable, Hashable {
    /// The lowest sequence still on the list, `nil` when the list is empty.
    public var lowestLive: Int64?
    /// The highest sequence ever assigned, 0 before the first entry; never decreases.
    public var highestAssigned: Int64

    public init(lowestLive: Int64?, highestAssigned: Int64) {
        self.lowestLive = lowestLive
        self.highestAssigned = highestAssigned
    }
}
