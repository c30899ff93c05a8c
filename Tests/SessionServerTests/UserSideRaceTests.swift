import Foundation
import HTTPTypes
import Hummingbird
import SessionManagement
import SessionServer
import SessionStorage
import Synchronization
import Testing

/// Races on the user side's two new revocations (issue 12): a consent revoked while its client's
/// tokens are being minted, and "sign out all other sessions" while every session mints. After
/// each acknowledgement, every token minted before it must be refused by the gateway, and the
/// kept session's tokens must still pass.
@Suite struct UserSideRaceTests {
    typealias Mint = (session: String, started: ContinuousClock.Instant, token: String?)

    static func mints(_ count: Int, _ body: @escaping @Sendable () async throws -> String) async -> [(ContinuousClock.Instant, String?)] {
        var minted: [(ContinuousClock.Instant, String?)] = []
        for _ in 0..<count {
            let started = ContinuousClock.now
            minted.append((started, try? await body()))
            await Task.yield()
        }
        return minted
    }

    @Test func noClientTokenSurvivesAConsentRevocationRacingItsMinters() async throws {
        let setup = try await SessionServerTests.setup()
        let instance = try await setup.manager.authenticate(secretKey: setup.key)
        let manager = setup.manager
        var minted = 0
        var survivors = 0
        var late = 0
        try await setup.app.test(.router) { client in
            for round in 0..<60 {
                let user = try await manager.createUser(in: instance, UserDraft(firstName: "Race"))
                let session = try await manager.createSession(in: instance, userID: user.id)
                let consent = try await manager.grantConsent(in: instance, userID: user.id, ConsentDraft(clientID: "race-app", clientName: "Race", scopes: []))
                let acknowledged = Acknowledgement()
                let results = await withTaskGroup(of: [(ContinuousClock.Instant, String?)].self) { group in
                    for _ in 0..<3 {
                        group.addTask { await Self.mints(10) { try await manager.sessionToken(in: instance, sessionID: session.id, clientID: "race-app") } }
                    }
                    group.addTask {
                        for _ in 0..<(round % 7) { await Task.yield() }
                        _ = try? await manager.revokeConsent(in: instance, userID: user.id, consentID: consent.id)
                        acknowledged.instant.withLock { $0 = ContinuousClock.now }
                        return []
                    }
                    var all: [(ContinuousClock.Instant, String?)] = []
                    for await part in group { all += part }
                    return all
                }
                let ackedAt = try #require(acknowledged.instant.withLock { $0 })
                for (started, token) in results {
                    guard let token else { continue }
                    minted += 1
                    if started > ackedAt { late += 1 }
                    if try await RevocationTruthTests.verifyStatus(client, token) != .unauthorized { survivors += 1 }
                }
                // The session's own tokens are not the client's: they pass.
                let own = try await manager.sessionToken(in: instance, sessionID: session.id)
                #expect(try await RevocationTruthTests.verifyStatus(client, own) == .ok)
            }
        }
        #expect(minted > 0)
        #expect(survivors == 0, "\(survivors) client tokens survived their consent's revocation")
        #expect(late == 0, "\(late) client tokens were minted after the revocation was acknowledged")
    }

    @Test func signingOutTheOthersLeavesNoOtherTokenAndKeepsTheCurrentSession() async throws {
        let setup = try await SessionServerTests.setup()
        let instance = try await setup.manager.authenticate(secretKey: setup.key)
        let manager = setup.manager
        var survivors = 0
        var keptRefused = 0
        try await setup.app.test(.router) { client in
            for round in 0..<60 {
                let user = try await manager.createUser(in: instance, UserDraft(firstName: "Race"))
                var sessions: [Session] = []
                for _ in 0..<3 { sessions.append(try await manager.createSession(in: instance, userID: user.id)) }
                let kept = sessions[0].id
                let results = await withTaskGroup(of: [Mint].self) { group in
                    for session in sessions {
                        group.addTask {
                            await Self.mints(8) { try await manager.sessionToken(in: instance, sessionID: session.id) }.map { (session.id, $0.0, $0.1) }
                        }
                    }
                    group.addTask {
                        for _ in 0..<(round % 5) { await Task.yield() }
                        _ = try? await manager.revokeOtherSessions(in: instance, userID: user.id, keep: kept)
                        return []
                    }
                    var all: [Mint] = []
                    for await part in group { all += part }
                    return all
                }
                for mint in results {
                    guard let token = mint.token else { continue }
                    let status = try await RevocationTruthTests.verifyStatus(client, token)
                    if mint.session == kept {
                        if status != .ok { keptRefused += 1 }
                    } else if status != .unauthorized {
                        survivors += 1
                    }
                }
            }
        }
        #expect(survivors == 0, "\(survivors) tokens of signed-out sessions survived")
        #expect(keptRefused == 0, "\(keptRefused) tokens of the kept session were refused")
    }
}
