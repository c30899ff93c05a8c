public import SessionStorage

/// Who is making the current request, for the audit events its changes write: set by each
/// surface's authenticator around the request (a task-local value, so every use case reached from
/// the request sees it without each signature carrying it), `system` outside any request.
public struct AuditContext: Sendable, Hashable {
    public var actor: AuditEvent.Actor
    /// The request's client address (§2 of the surfaces contract) and user agent, when known.
    public var ipAddress: String?
    public var userAgent: String?

    public init(actor: AuditEvent.Actor, ipAddress: String? = nil, userAgent: String? = nil) {
        self.actor = actor
        self.ipAddress = ipAddress
        self.userAgent = userAgent
    }

    @TaskLocal public static var current = AuditContext(actor: .system)
}

extension SessionManager {
    /// An event of the current request (`AuditContext.current`), to be written with the change it records.
    func auditDraft(
        _ type: String, userID: String? = nil, sessionID: String? = nil, at: Int64? = nil, data: AuditData = [:]
    ) throws(ManagementError) -> AuditDraft {
        let context = AuditContext.current
        return AuditDraft(
            id: try newID("aud"), type: type, occurredAt: at ?? clock(), actor: context.actor, userID: userID, sessionID: sessionID,
            ipAddress: context.ipAddress, userAgent: context.userAgent.map { String(decoding: Array($0.utf8.prefix(512)), as: UTF8.self) }, data: data)
    }
}
