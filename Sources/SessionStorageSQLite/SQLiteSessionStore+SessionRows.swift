import Foundation
import GRDB
import SessionNetwork
import SessionStorage

/// How a session is written to and read from its row. Reads name their columns and decode them by
/// position: GRDB's lookup by name lowercases the name on every access, which was most of the CPU of
/// listing a user's sessions.
extension SQLiteSessionStore {
    /// The columns every session read selects, in the order `decodeSession` reads them.
    static let sessionColumnList = """
        id, instance_id, user_id, client_id, status, actor, last_active_organization_id, last_active_at, expire_at, abandon_at, \
        created_at, updated_at, has_activity, user_agent, ip_address, device_type, is_mobile, browser_name, browser_version, city, \
        country, auth_method, mfa_verified, token_horizon, os_name, anomalous, opened_country, opened_device
        """

    static let insertSessionSQL = """
        INSERT INTO session (id, instance_id, user_id, client_id, status, actor, last_active_organization_id,
            last_active_at, expire_at, abandon_at, created_at, updated_at, has_activity, user_agent, ip_address,
            device_type, is_mobile, browser_name, browser_version, city, country, auth_method, mfa_verified, token_horizon,
            os_name, ip_bytes, anomalous, opened_country, opened_device)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    static func sessionColumns(_ session: Session) -> StatementArguments {
        let activity = session.activity
        return [
            session.id, session.instanceID, session.userID, session.clientID, session.status.rawValue, session.actor,
            session.lastActiveOrganizationID, session.lastActiveAt, session.expireAt, session.abandonAt,
            session.createdAt, session.updatedAt, activity != nil, activity?.userAgent, activity?.ipAddress,
            activity?.deviceType, activity?.isMobile ?? false, activity?.browserName, activity?.browserVersion,
            activity?.city, activity?.country, session.authMethod, session.mfaVerified, session.tokenHorizon,
            activity?.osName, addressBytes(activity), session.anomalous, session.openedCountry, session.openedDevice,
        ]
    }

    /// A row selected with `sessionColumnList`.
    static func decodeSession(_ row: Row) -> Session {
        var activity: Session.Activity?
        if row[12] as Bool {
            activity = Session.Activity(
                userAgent: row[13], ipAddress: row[14], deviceType: row[15], isMobile: row[16], browserName: row[17],
                browserVersion: row[18], osName: row[24], city: row[19], country: row[20])
        }
        return Session(
            id: row[0], instanceID: row[1], userID: row[2], clientID: row[3], status: Session.Status(rawValue: row[4]) ?? .active,
            actor: row[5], lastActiveOrganizationID: row[6], lastActiveAt: row[7], expireAt: row[8], abandonAt: row[9],
            createdAt: row[10], updatedAt: row[11], activity: activity, authMethod: row[21], mfaVerified: row[22], tokenHorizon: row[23],
            anomalous: row[25], openedCountry: row[26], openedDevice: row[27])
    }
}
