import SessionManagement
import SessionStorage
import SessionTokens

/// The admin surface's session object (surfaces.md §2): camelCase, ISO 8601 times in UTC with
/// milliseconds, the device as uap-core families (unknown parts are `"Other"`, an unknown type is
/// `"unknown"`), and the location or `null`.
enum AdminSessionDTO {
    static func json(_ session: Session, at now: Int64) -> JSONValue {
        let activity = session.activity
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        return .object([
            "id": .string(session.id),
            "userId": .string(session.userID),
            "ipAddress": text(activity?.ipAddress),
            "userAgent": text(activity?.userAgent),
            "device": device(activity),
            "location": location(activity),
            "authMethod": text(session.authMethod),
            "mfaVerified": .bool(session.mfaVerified),
            "status": .string(session.effectiveStatus(at: now).rawValue),
            "anomalous": .bool(session.anomalous),
            "createdAt": .string(ISO8601Milliseconds.string(session.createdAt)),
            "lastActiveAt": .string(ISO8601Milliseconds.string(session.lastActiveAt)),
            "expiresAt": .string(ISO8601Milliseconds.string(session.expireAt)),
        ])
    }

    /// The device as uap-core families: an unknown type is `"unknown"`, an unknown OS or browser `"Other"`.
    static func device(_ activity: Session.Activity?) -> JSONValue {
        .object([
            "type": .string(activity?.deviceType ?? "unknown"),
            "os": .string(activity?.osName ?? "Other"),
            "browser": .string(activity?.browserName ?? "Other"),
        ])
    }

    /// `{city, country}`, or `null` when neither is known.
    static func location(_ activity: Session.Activity?) -> JSONValue {
        guard activity?.city != nil || activity?.country != nil else { return .null }
        return .object(["city": activity?.city.map(JSONValue.string) ?? .null, "country": activity?.country.map(JSONValue.string) ?? .null])
    }
}

/// The admin list's `cursor`: where the next page starts, as text only this server writes
/// (`base64url("v1:" + createdAt + ":" + sessionID)`), read back strictly: anything else is 400.
enum AdminCursor {
    static func encode(_ cursor: SessionCursor) -> String {
        Base64URL.encode(Array("v1:\(cursor.createdAt):\(cursor.id)".utf8))
    }

    static func decode(_ text: String) -> SessionCursor? {
        guard text.utf8.count <= 128, let bytes = Base64URL.decode(text), let decoded = String(validating: bytes, as: UTF8.self)
        else { return nil }
        let parts = decoded.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", let createdAt = Int64(parts[1]), createdAt >= 0, String(createdAt) == parts[1],
            ResourceID.check(String(parts[2]), .session) == .valid
        else { return nil }
        return SessionCursor(createdAt: createdAt, id: String(parts[2]))
    }
}
