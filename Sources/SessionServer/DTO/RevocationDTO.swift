import SessionStorage
import SessionTokens
import SessionVerification

/// A revocation-list entry on the wire, through the feed's one codec (`RevocationFeedCodec`).
enum RevocationDTO {
    /// The feed's form of an entry; `nil` for key entries, which verifiers never see.
    static func feedEntry(_ entry: Revocation) -> RevocationFeedEntry? {
        let target: RevocationFeedEntry.Target
        switch entry.target {
        case .session(let id): target = .session(id: id)
        case .user(let id, let notBefore, let sessionIDs): target = .user(id: id, notBefore: notBefore, sessionIDs: sessionIDs)
        case .otherSessions(let id, let kept, let notBefore, let sessionIDs):
            target = .otherSessions(userID: id, keptSessionID: kept, notBefore: notBefore, sessionIDs: sessionIDs)
        case .consent(let id, let userID, let clientID, let notBefore):
            target = .consent(id: id, userID: userID, clientID: clientID, notBefore: notBefore)
        case .secretKey, .signingKey, .userUpdated, .templateChanged, .tenantChanged: return nil
        }
        return RevocationFeedEntry(sequence: entry.sequence, target: target, revokedAt: entry.revokedAt, retainUntil: entry.retainUntil)
    }

    static func json(_ entry: Revocation) -> JSONValue {
        feedEntry(entry).map(RevocationFeedCodec.json) ?? .null
    }
}
