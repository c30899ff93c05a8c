import SessionStorage
import SessionTokens

/// A revocation-list entry on the wire: `seq`, then `session_id` or `user_id` + `not_before`,
/// `revoked_at` and `retain_until` in Unix milliseconds.
enum RevocationDTO {
    static func json(_ entry: Revocation) -> JSONValue {
        var object: JSONObject = ["object": .string("revocation"), "seq": .integer(entry.sequence)]
        switch entry.target {
        case .session(let id):
            object["session_id"] = .string(id)
        case .user(let id, let notBefore):
            object["user_id"] = .string(id)
            object["not_before"] = .integer(notBefore)
        }
        object["revoked_at"] = .integer(entry.revokedAt)
        object["retain_until"] = .integer(entry.retainUntil)
        return .object(object)
    }
}
