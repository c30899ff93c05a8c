public import SessionTokens

/// One entry of the revocation feed (`GET /v1/revocations`) as it travels between the server and
/// whoever follows it.
public struct RevocationFeedEntry: Sendable, Hashable {
    public enum Target: Sendable, Hashable {
        case session(id: String)
        /// Every session listed, and every token of the user without `sid` issued at or before
        /// `notBefore` (Unix milliseconds).
        case user(id: String, notBefore: Int64, sessionIDs: [String])
        /// "Sign out all other sessions": exactly like `user` (the listed sessions, and the user's
        /// tokens without `sid` up to `notBefore`), and says which session was kept; it is never listed.
        case otherSessions(userID: String, keptSessionID: String, notBefore: Int64, sessionIDs: [String])
        /// A revoked consent: the user's tokens whose `client_id` is `clientID`, issued at or before `notBefore`.
        case consent(id: String, userID: String, clientID: String, notBefore: Int64)
    }

    public var sequence: Int64
    public var target: Target
    /// Unix milliseconds.
    public var revokedAt: Int64
    /// Unix milliseconds: after it, no token the entry affects is still valid.
    public var retainUntil: Int64

    public init(sequence: Int64, target: Target, revokedAt: Int64, retainUntil: Int64) {
        self.sequence = sequence
        self.target = target
        self.revokedAt = revokedAt
        self.retainUntil = retainUntil
    }

    /// Adds the entry to a verifier's set.
    public func apply(to snapshot: inout RevocationSnapshot) {
        switch target {
        case .session(let id): snapshot.revokeSession(id, retainUntil: retainUntil)
        case .user(let id, let notBefore, let sessionIDs), .otherSessions(let id, _, let notBefore, let sessionIDs):
            snapshot.revokeUser(id, notBefore: notBefore, sessionIDs: sessionIDs, retainUntil: retainUntil)
        case .consent(_, let userID, let clientID, let notBefore):
            snapshot.revokeConsent(userID: userID, clientID: clientID, notBefore: notBefore, retainUntil: retainUntil)
        }
    }
}

/// One answer of the feed: entries after the request's cursor, the cursor to ask with next, and
/// whether the entries start a snapshot that replaces what the follower held.
public struct RevocationFeedMessage: Sendable, Hashable {
    public var entries: [RevocationFeedEntry]
    public var cursor: Int64
    public var snapshot: Bool

    public init(entries: [RevocationFeedEntry], cursor: Int64, snapshot: Bool) {
        self.entries = entries
        self.cursor = cursor
        self.snapshot = snapshot
    }
}

/// The feed's wire format, written by the server and read by `VerifierSync` and `sessionctl`: the
/// one place it is defined.
///
/// An answer is `{"object":"revocation_feed","entries":[…],"cursor":N,"snapshot":bool}`; an entry is
/// `{"object":"revocation","seq":N, "session_id":…}`, or `{…,"user_id":…,"not_before":ms,"session_ids":[…]}`
/// (user-wide), which "sign out all other sessions" extends with `"except_session_id":…` (the kept
/// session, never among `session_ids`; a follower that ignores the field applies it correctly), or
/// `{…,"user_id":…,"client_id":…,"consent_id":…,"not_before":ms}` (a revoked consent), then
/// `"revoked_at"` and `"retain_until"` in Unix milliseconds.
public enum RevocationFeedCodec {
    /// Unix milliseconds from 1970 to the end of year 9999: any instant a real entry can carry.
    public static let instants: ClosedRange<Int64> = 0...253_402_300_799_999

    public static func json(_ entry: RevocationFeedEntry) -> JSONValue {
        var object: JSONObject = ["object": .string("revocation"), "seq": .integer(entry.sequence)]
        switch entry.target {
        case .session(let id):
            object["session_id"] = .string(id)
        case .user(let id, let notBefore, let sessionIDs):
            object["user_id"] = .string(id)
            object["not_before"] = .integer(notBefore)
            object["session_ids"] = .array(sessionIDs.map(JSONValue.string))
        case .otherSessions(let id, let kept, let notBefore, let sessionIDs):
            object["user_id"] = .string(id)
            object["not_before"] = .integer(notBefore)
            object["session_ids"] = .array(sessionIDs.map(JSONValue.string))
            object["except_session_id"] = .string(kept)
        case .consent(let id, let userID, let clientID, let notBefore):
            object["user_id"] = .string(userID)
            object["client_id"] = .string(clientID)
            object["consent_id"] = .string(id)
            object["not_before"] = .integer(notBefore)
        }
        object["revoked_at"] = .integer(entry.revokedAt)
        object["retain_until"] = .integer(entry.retainUntil)
        return .object(object)
    }

    public static func json(_ message: RevocationFeedMessage) -> JSONValue {
        .object([
            "object": .string("revocation_feed"),
            "entries": .array(message.entries.map(json)),
            "cursor": .integer(message.cursor),
            "snapshot": .bool(message.snapshot),
        ])
    }

    public static func decode(_ body: [UInt8]) throws(VerificationError) -> RevocationFeedMessage {
        let value: JSONValue
        do { value = try JSONParser.parse(body) } catch { throw VerificationError(.syncFailed, "revocation feed is not JSON: \(error.reason)") }
        guard let items = value["entries"]?.arrayValue, let cursor = value["cursor"]?.integerValue, cursor >= 0,
            let snapshot = value["snapshot"]?.boolValue
        else { throw VerificationError(.syncFailed, "revocation feed answer lacks entries, cursor or snapshot") }
        var entries: [RevocationFeedEntry] = []
        entries.reserveCapacity(items.count)
        for item in items { entries.append(try entry(item)) }
        return RevocationFeedMessage(entries: entries, cursor: cursor, snapshot: snapshot)
    }

    public static func entry(_ item: JSONValue) throws(VerificationError) -> RevocationFeedEntry {
        guard let sequence = item["seq"]?.integerValue, let revokedAt = item["revoked_at"]?.integerValue,
            let retainUntil = item["retain_until"]?.integerValue
        else { throw VerificationError(.syncFailed, "revocation entry without seq, revoked_at or retain_until") }
        // Instants are checked here, once, so that no arithmetic on them further in can overflow.
        guard sequence > 0, Self.instants.contains(revokedAt), Self.instants.contains(retainUntil) else {
            throw VerificationError(.syncFailed, "revocation entry \(sequence) has a sequence or an instant out of range")
        }
        let target: RevocationFeedEntry.Target
        if let session = item["session_id"]?.stringValue, item["user_id"] == nil {
            target = .session(id: session)
        } else if let user = item["user_id"]?.stringValue, let client = item["client_id"]?.stringValue,
            let consent = item["consent_id"]?.stringValue, item["session_id"] == nil, item["session_ids"] == nil,
            let notBefore = item["not_before"]?.integerValue, Self.instants.contains(notBefore)
        {
            target = .consent(id: consent, userID: user, clientID: client, notBefore: notBefore)
        } else if let user = item["user_id"]?.stringValue, item["session_id"] == nil, let notBefore = item["not_before"]?.integerValue,
            Self.instants.contains(notBefore), let listed = item["session_ids"]?.arrayValue
        {
            var sessionIDs: [String] = []
            sessionIDs.reserveCapacity(listed.count)
            for id in listed {
                guard let id = id.stringValue else { throw VerificationError(.syncFailed, "revocation entry lists a session id that is not a string") }
                sessionIDs.append(id)
            }
            if let kept = item["except_session_id"] {
                guard let kept = kept.stringValue, !sessionIDs.contains(kept) else {
                    throw VerificationError(.syncFailed, "revocation entry \(sequence) lists the session it says it kept")
                }
                target = .otherSessions(userID: user, keptSessionID: kept, notBefore: notBefore, sessionIDs: sessionIDs)
            } else {
                target = .user(id: user, notBefore: notBefore, sessionIDs: sessionIDs)
            }
        } else {
            throw VerificationError(.syncFailed, "revocation entry names neither a session nor a user with not_before and session_ids")
        }
        return RevocationFeedEntry(sequence: sequence, target: target, revokedAt: revokedAt, retainUntil: retainUntil)
    }
}
