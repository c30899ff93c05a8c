import SessionManagement
import SessionStorage
import SessionTokens

/// An audit event on the wire (surfaces.md §5): camelCase on the admin surface, snake_case on the
/// user side; times ISO 8601 with milliseconds, hashes as lowercase hex. `seq`, `occurredAt` (as
/// Unix milliseconds it is exact in ISO form), `tenant` (the instance id, which the chain hashes and
/// no other field carries) and every other field let anyone recompute the chain
/// (`sessionctl audit verify --url`, `AuditEvent(json:)`).
enum AuditEventDTO {
    enum Style {
        case camelCase, snakeCase
    }

    static func json(_ event: AuditEvent, style: Style) -> JSONValue {
        func key(_ camel: String, _ snake: String) -> String { style == .camelCase ? camel : snake }
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        var object: JSONObject = [:]
        object["id"] = .string(event.id)
        object["tenant"] = .string(event.instanceID)
        object["seq"] = .integer(event.sequence)
        object["type"] = .string(event.type)
        object[key("occurredAt", "occurred_at")] = .string(ISO8601Milliseconds.string(event.occurredAt))
        object["actor"] = .object(["type": .string(event.actor.type.rawValue), "id": .string(event.actor.id)])
        object[key("userId", "user_id")] = text(event.userID)
        object[key("sessionId", "session_id")] = text(event.sessionID)
        object[key("ipAddress", "ip_address")] = text(event.ipAddress)
        object[key("userAgent", "user_agent")] = text(event.userAgent)
        object["data"] = AuditChain.json(event.data)
        object[key("prevHash", "prev_hash")] = .string(AuditChain.hex(event.previousHash))
        object["hash"] = .string(AuditChain.hex(event.hash))
        return .object(object)
    }
}

/// The audit lists' `cursor`: a sequence as text only this server writes (`base64url("a1:" + seq)`).
enum AuditCursor {
    static func encode(_ sequence: Int64) -> String {
        Base64URL.encode(Array("a1:\(sequence)".utf8))
    }

    static func decode(_ text: String) -> Int64? {
        guard text.utf8.count <= 64, let bytes = Base64URL.decode(text), let decoded = String(validating: bytes, as: UTF8.self),
            decoded.hasPrefix("a1:")
        else { return nil }
        let digits = decoded.dropFirst(3)
        guard let sequence = Int64(digits), sequence >= 0, String(sequence) == digits else { return nil }
        return sequence
    }
}

/// A consent on the wire: the admin view (camelCase, with status and revocation) and the user's
/// (snake_case, active ones only, with last use).
enum ConsentDTO {
    static func admin(_ consent: Consent) -> JSONValue {
        .object([
            "id": .string(consent.id), "userId": .string(consent.userID), "clientId": .string(consent.clientID),
            "clientName": .string(consent.clientName), "scopes": .array(consent.scopes.map(JSONValue.string)),
            "status": .string(consent.status.rawValue), "grantedAt": .string(ISO8601Milliseconds.string(consent.grantedAt)),
            "revokedAt": consent.revokedAt.map { .string(ISO8601Milliseconds.string($0)) } ?? .null,
            "lastUsedAt": consent.lastUsedAt.map { .string(ISO8601Milliseconds.string($0)) } ?? .null,
        ])
    }

    static func user(_ consent: Consent) -> JSONValue {
        .object([
            "id": .string(consent.id), "client_id": .string(consent.clientID), "client_name": .string(consent.clientName),
            "scopes": .array(consent.scopes.map(JSONValue.string)), "granted_at": .string(ISO8601Milliseconds.string(consent.grantedAt)),
            "last_used_at": consent.lastUsedAt.map { .string(ISO8601Milliseconds.string($0)) } ?? .null,
        ])
    }
}
