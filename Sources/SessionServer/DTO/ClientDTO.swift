import SessionManagement
import SessionStorage
import SessionTokens

/// Clerk's `Client` object with every field SDK 7.0.0 requires: Tessera has no sign-in or sign-up
/// attempts, so those ids are `null`.
enum ClientDTO {
    static func json(_ view: ClientView) -> JSONValue {
        .object([
            "object": .string("client"),
            "id": .string(view.client.id),
            "session_ids": .array(view.sessions.map { .string($0.id) }),
            "sessions": .array(view.sessions.map(SessionDTO.json)),
            "sign_in_id": .null,
            "sign_up_id": .null,
            "last_active_session_id": view.lastActiveSession.map { .string($0.id) } ?? .null,
            "last_authentication_strategy": .null,
            "updated_at": .integer(view.client.updatedAt),
            "created_at": .integer(view.client.createdAt),
        ])
    }
}
