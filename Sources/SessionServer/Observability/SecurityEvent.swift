import Logging
import SessionManagement

/// The security events, each one log line at `notice` with `event` naming it. Their metadata
/// never holds a token, key, secret, password, cookie or `Authorization` value: what was refused
/// is said by its kind (`reason`), never by its text.
enum SecurityEvent: String, Sendable {
    case refusedSecretKey = "refused_secret_key"
    case refusedOperatorKey = "refused_operator_key"
    case revocation
    case rateLimited = "rate_limited"
    case anomaly
}

extension Logger {
    func security(_ event: SecurityEvent, _ metadata: Logger.Metadata = [:]) {
        var fields = metadata
        fields["event"] = .string(event.rawValue)
        notice("security event", metadata: fields)
    }
}

extension ManagementEvents {
    /// Revocations and anomalies as security events on `logger` (the use cases' other events are
    /// metrics only).
    static func securityLog(_ logger: Logger) -> ManagementEvents {
        ManagementEvents(
            sessionsRevoked: { reason, tenant, userID in
                logger.security(.revocation, ["reason": .string(reason.rawValue), "tenant": .string(tenant), "user_id": .string(userID)])
            },
            anomaly: { tenant, userID, revoked in
                logger.security(
                    .anomaly, ["tenant": .string(tenant), "user_id": .string(userID), "action": .string(revoked ? "revoked" : "flagged")])
            })
    }
}
