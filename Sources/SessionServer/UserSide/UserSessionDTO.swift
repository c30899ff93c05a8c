import SessionStorage
import SessionTokens

/// The user side's session (surfaces.md §4): snake_case, ISO 8601 times, `current` always present.
enum UserSessionDTO {
    static func json(_ session: Session, current: Bool) -> JSONValue {
        let activity = session.activity
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        return .object([
            "id": .string(session.id),
            "created_at": .string(ISO8601Milliseconds.string(session.createdAt)),
            "last_used_at": .string(ISO8601Milliseconds.string(session.lastActiveAt)),
            "expires_at": .string(ISO8601Milliseconds.string(session.expireAt)),
            "user_agent": text(activity?.userAgent),
            "ip": text(activity?.ipAddress),
            "device": AdminSessionDTO.device(activity),
            "location": AdminSessionDTO.location(activity),
            "auth_method": text(session.authMethod),
            "mfa_verified": .bool(session.mfaVerified),
            "current": .bool(current),
        ])
    }
}
