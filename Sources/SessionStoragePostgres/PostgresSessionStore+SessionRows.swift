import PostgresNIO
import SessionNetwork
import SessionStorage

/// How a session is written to and read from its row.
extension PostgresSessionStore {
    /// The columns every session read selects, by name.
    static let sessionColumnList = """
        id, instance_id, user_id, client_id, status, actor, last_active_organization_id, last_active_at, expire_at, abandon_at, \
        created_at, updated_at, has_activity, user_agent, ip_address, device_type, is_mobile, browser_name, browser_version, city, \
        country, auth_method, mfa_verified, token_horizon, os_name, anomalous, opened_country, opened_device
        """

    static func insertSession(_ db: Database, _ session: Session) async throws {
        let activity = session.activity
        try await db.execute("""
            INSERT INTO session (id, instance_id, user_id, client_id, status, actor, last_active_organization_id, last_active_at, expire_at,
                abandon_at, created_at, updated_at, token_horizon, has_activity, user_agent, ip_address, ip_bytes, device_type, is_mobile,
                browser_name, browser_version, os_name, city, country, auth_method, mfa_verified, anomalous, opened_country, opened_device)
            VALUES (\(session.id), \(session.instanceID), \(session.userID), \(session.clientID), \(session.status.rawValue), \(session.actor),
                \(session.lastActiveOrganizationID), \(session.lastActiveAt), \(session.expireAt), \(session.abandonAt), \(session.createdAt),
                \(session.updatedAt), \(session.tokenHorizon), \(activity != nil), \(activity?.userAgent), \(activity?.ipAddress),
                \(addressBytes(activity)), \(activity?.deviceType), \(activity?.isMobile ?? false), \(activity?.browserName),
                \(activity?.browserVersion), \(activity?.osName), \(activity?.city), \(activity?.country), \(session.authMethod),
                \(session.mfaVerified), \(session.anomalous), \(session.openedCountry), \(session.openedDevice))
            """)
    }

    /// The recorded address as the 16 bytes the address index orders; `nil` when none was recorded
    /// or it is not an address (the text is stored as given either way).
    static func addressBytes(_ activity: Session.Activity?) -> ByteBuffer? {
        activity?.ipAddress.flatMap { IPAddress($0) }.map { $0.bytes.bytea }
    }

    static func decodeSession(_ row: Row) throws -> Session {
        var activity: Session.Activity?
        if try row.bool("has_activity") {
            activity = Session.Activity(
                userAgent: try row.optionalText("user_agent"), ipAddress: try row.optionalText("ip_address"),
                deviceType: try row.optionalText("device_type"), isMobile: try row.bool("is_mobile"),
                browserName: try row.optionalText("browser_name"), browserVersion: try row.optionalText("browser_version"),
                osName: try row.optionalText("os_name"), city: try row.optionalText("city"), country: try row.optionalText("country"))
        }
        return Session(
            id: try row.text("id"), instanceID: try row.text("instance_id"), userID: try row.text("user_id"), clientID: try row.text("client_id"),
            status: Session.Status(rawValue: try row.text("status")) ?? .active, actor: try row.optionalText("actor"),
            lastActiveOrganizationID: try row.optionalText("last_active_organization_id"), lastActiveAt: try row.int("last_active_at"),
            expireAt: try row.int("expire_at"), abandonAt: try row.int("abandon_at"), createdAt: try row.int("created_at"),
            updatedAt: try row.int("updated_at"), activity: activity, authMethod: try row.optionalText("auth_method"),
            mfaVerified: try row.bool("mfa_verified"), tokenHorizon: try row.int("token_horizon"), anomalous: try row.bool("anomalous"),
            openedCountry: try row.optionalText("opened_country"), openedDevice: try row.optionalText("opened_device"))
    }

    /// `FOR UPDATE` inside a write: the row as last committed, held until this transaction ends.
    static func fetchSession(_ db: Database, instanceID: String, id: String, locking: Bool = false) async throws -> Session? {
        let lock = locking ? " FOR UPDATE" : ""
        return try await db.one("SELECT \(unescaped: sessionColumnList) FROM session WHERE id = \(id) AND instance_id = \(instanceID)\(unescaped: lock)")
            .map(decodeSession)
    }

    /// The SQL for an effective status at the bound time `now` (a placeholder): stored statuses, with
    /// `active` split by the clock exactly as `Session.effectiveStatus(at:)` does.
    static func statusCondition(_ status: Session.Status, now: String) -> String {
        switch status {
        case .active: "status = 'active' AND expire_at > \(now) AND abandon_at > \(now)"
        case .expired: "(status = 'expired' OR (status = 'active' AND expire_at <= \(now)))"
        case .abandoned: "(status = 'abandoned' OR (status = 'active' AND expire_at > \(now) AND abandon_at <= \(now)))"
        case .revoked: "status = 'revoked'"
        case .ended: "status = 'ended'"
        case .removed: "status = 'removed'"
        case .replaced: "status = 'replaced'"
        case .pending: "status = 'pending'"
        }
    }
}
