import SessionManagement
import SessionStorage
import SessionTokens
import Synchronization
import Testing

/// The use cases report what they commit, once each, with arguments from fixed sets only: what
/// metrics count and security logs write.
@Suite struct ManagementEventsTests {
    final class Recorded: Sendable {
        let events = Mutex<[String]>([])
        func add(_ event: String) { events.withLock { $0.append(event) } }
        var all: [String] { events.withLock { $0 } }

        var hooks: ManagementEvents {
            ManagementEvents(
                sessionCreated: { self.add("created") },
                sessionsRevoked: { reason, tenant, _ in self.add("revoked \(reason.rawValue) \(tenant)") },
                tokenMinted: { algorithm, kind in self.add("minted \(algorithm.rawValue) \(kind.rawValue)") },
                anomaly: { tenant, _, revoked in self.add("anomaly \(tenant) \(revoked)") })
        }
    }

    @Test func eachCommittedUseCaseIsReportedOnceAndARepeatedRevocationIsNot() async throws {
        let recorded = Recorded()
        let harness = try await Harness(events: recorded.hooks)
        let manager = harness.manager
        let user = try await manager.createUser(in: harness.instance, UserDraft())
        let first = try await manager.createSession(in: harness.instance, userID: user.id)
        let second = try await manager.createSession(in: harness.instance, userID: user.id)
        _ = try await manager.sessionToken(in: harness.instance, sessionID: first.id)
        _ = try await manager.revokeSession(in: harness.instance, id: first.id)
        // Idempotent: nothing new is committed, nothing is reported.
        _ = try await manager.revokeSession(in: harness.instance, id: first.id)
        _ = try await manager.revokeOtherSessions(in: harness.instance, userID: user.id, keep: second.id)
        _ = try await manager.revokeUserSessions(in: harness.instance, userID: user.id)
        // A refused token is not counted.
        await #expect(throws: ManagementError.self) { _ = try await manager.sessionToken(in: harness.instance, sessionID: first.id) }
        #expect(
            recorded.all == [
                "created", "created", "minted RS256 session", "revoked revoked app", "revoked user_others app", "revoked user_all app",
            ])
    }

    @Test func anAnomalyIsReportedWithWhetherItRevoked() async throws {
        let recorded = Recorded()
        let harness = try await Harness(events: recorded.hooks)
        let manager = harness.manager
        _ = try await manager.updateTenantSettings(slug: "app", allowedOrigins: nil, anomalyAction: .revoke)
        let user = try await manager.createUser(in: harness.instance, UserDraft())
        let session = try await manager.openSession(
            in: harness.instance, userID: user.id, AdminSessionDraft(activity: AnomalyTests.mac, authMethod: "password", mfaVerified: false))
        var windows = AnomalyTests.mac
        windows.osName = "Windows"
        await #expect(throws: ManagementError.self) { try await manager.recordActivity(in: harness.instance, sessionID: session.id, windows) }
        #expect(recorded.all == ["created", "anomaly app true", "revoked anomaly app"])
    }
}
