import SessionManagement
import SessionStorage
import Testing

/// Activity from another country or device family than a session was opened with (issue 12): a
/// stolen token used elsewhere. Flagged with an event by default, revoked at once when the tenant says so.
@Suite struct AnomalyTests {
    static let mac = Session.Activity(ipAddress: "81.2.69.142", deviceType: "desktop", osName: "Mac OS X", country: "GB")

    @Test func activityFromAnotherCountryIsFlaggedWithBothValuesAndTheAddress() async throws {
        let harness = try await Harness()
        let manager = harness.manager
        let user = try await manager.createUser(in: harness.instance, UserDraft())
        let session = try await manager.openSession(in: harness.instance, userID: user.id, AdminSessionDraft(activity: Self.mac, authMethod: "password", mfaVerified: false))
        // The same place and device, a browser update, an unknown location: nothing.
        var same = Self.mac
        same.browserVersion = "121"
        try await manager.recordActivity(in: harness.instance, sessionID: session.id, same)
        var unknown = Self.mac
        unknown.country = nil
        harness.clock.advance(by: 120_000)
        try await manager.recordActivity(in: harness.instance, sessionID: session.id, unknown)
        #expect(try await manager.session(in: harness.instance, id: session.id).anomalous == false)
        var abroad = Self.mac
        abroad.country = "US"
        abroad.ipAddress = "216.160.83.56"
        try await manager.recordActivity(in: harness.instance, sessionID: session.id, abroad)
        let flagged = try await manager.session(in: harness.instance, id: session.id)
        #expect(flagged.anomalous && flagged.status == .active)
        let events = try await manager.auditEvents(in: harness.instance, AuditListRequest(type: "auth.session_anomaly", order: .oldestFirst)).events
        #expect(events.count == 1)
        #expect(events.first?.data["opened_country"] == .string("GB") && events.first?.data["country"] == .string("US"))
        #expect(events.first?.data["ip"] == .string("216.160.83.56") && events.first?.data["kinds"] == .strings(["country"]))
        // The same anomaly again writes no second event.
        harness.clock.advance(by: 120_000)
        try await manager.recordActivity(in: harness.instance, sessionID: session.id, abroad)
        #expect(try await manager.auditEvents(in: harness.instance, AuditListRequest(type: "auth.session_anomaly", order: .oldestFirst)).events.count == 1)
        let listed = try await manager.activeSessions(in: harness.instance, { var request = AdminSessionListRequest(); request.anomalousOnly = true; return request }())
        #expect(listed.0.map(\.id) == [session.id])
    }

    @Test func aTenantThatSaysRevokeLosesTheSessionAtOnce() async throws {
        let harness = try await Harness()
        let manager = harness.manager
        _ = try await manager.updateTenantSettings(slug: "app", allowedOrigins: nil, anomalyAction: .revoke)
        let user = try await manager.createUser(in: harness.instance, UserDraft())
        let session = try await manager.openSession(in: harness.instance, userID: user.id, AdminSessionDraft(activity: Self.mac, authMethod: "password", mfaVerified: false))
        var windows = Self.mac
        windows.osName = "Windows"
        await #expect(throws: ManagementError(.sessionNotActive, "")) {
            try await manager.recordActivity(in: harness.instance, sessionID: session.id, windows)
        }
        #expect(try await manager.session(in: harness.instance, id: session.id).status == .revoked)
        let types = try await manager.auditEvents(in: harness.instance, AuditListRequest(userID: user.id, order: .oldestFirst)).events.map(\.type)
        #expect(types.suffix(2) == ["auth.session_anomaly", "auth.session_revoked"])
        await #expect(throws: ManagementError(.sessionNotActive, "")) {
            _ = try await manager.sessionToken(in: harness.instance, sessionID: session.id)
        }
    }
}
