import Synchronization
import Testing
import TestFixtures
import SessionCrypto
import SessionTokens
import SessionVerification

/// A server played in memory: a JWKS and a revocation feed with Tessera's cursor rules, that can
/// go down, come back, or come back with another database.
final class FakeServer: VerifierTransport {
    struct Entry {
        var seq: Int64
        var session: String?
        var user: String?
        var notBefore: Int64 = 0
    }

    struct State {
        var keys: [VerificationKey]
        var cacheControl = "public, max-age=300"
        var entries: [Entry] = []
        var highest: Int64 = 0
        var down = false
        var jwksFetches = 0
        var feedRequests: [String] = []
    }

    let state: Mutex<State>

    init(keys: [VerificationKey]) { state = Mutex(State(keys: keys)) }

    func revokeSession(_ id: String) {
        state.withLock { $0.highest += 1; $0.entries.append(Entry(seq: $0.highest, session: id)) }
    }

    func revokeUser(_ id: String, notBefore: Int64) {
        state.withLock { $0.highest += 1; $0.entries.append(Entry(seq: $0.highest, user: id, notBefore: notBefore)) }
    }

    func get(_ url: String, headers: [String: String], timeout: Duration) async throws -> VerifierHTTPResponse {
        if state.withLock({ $0.down }) { throw VerificationError(.syncFailed, "connection refused") }
        if url.hasSuffix("/v1/jwks") {
            // The tenant's JWKS is asked for with the key, as the feed is.
            guard headers["Authorization"] == "Bearer sk_test_fake" else { return VerifierHTTPResponse(status: 401, body: Array("{}".utf8)) }
            return state.withLock { state in
                state.jwksFetches += 1
                let jwks = JWKS(keys: state.keys.compactMap(\.publicJWK))
                return VerifierHTTPResponse(status: 200, headers: ["cache-control": state.cacheControl], body: jwks.serialized())
            }
        }
        guard headers["Authorization"] == "Bearer sk_test_fake" else { return VerifierHTTPResponse(status: 401, body: Array("{}".utf8)) }
        let query = Dictionary(uniqueKeysWithValues: url.split(separator: "?")[1].split(separator: "&").map {
            let pair = $0.split(separator: "=")
            return (String(pair[0]), Int64(pair[1])!)
        })
        let after = query["after"]!
        let limit = Int(query["limit"]!)
        let deadline = ContinuousClock.now + .seconds(query["wait"]!)
        state.withLock { $0.feedRequests.append(url) }
        while true {
            let answer: VerifierHTTPResponse? = try state.withLock { state in
                if state.down { throw VerificationError(.syncFailed, "connection reset") }
                let snapshot = after > state.highest
                let newer = state.entries.filter { snapshot || $0.seq > after }
                guard !newer.isEmpty || ContinuousClock.now >= deadline || snapshot else { return nil }
                let page = Array(newer.prefix(limit))
                let cursor = page.count == limit ? page.last!.seq : state.highest
                let items: [JSONValue] = page.map { entry in
                    var object: JSONObject = ["seq": .integer(entry.seq), "revoked_at": .integer(0), "retain_until": .integer(4_000_000_000_000)]
                    if let session = entry.session { object["session_id"] = .string(session) }
                    if let user = entry.user {
                        object["user_id"] = .string(user)
                        object["not_before"] = .integer(entry.notBefore)
                        object["session_ids"] = .array([])
                    }
                    return .object(object)
                }
                let body: JSONValue = .object(["entries": .array(items), "cursor": .integer(cursor), "snapshot": .bool(snapshot)])
                return VerifierHTTPResponse(status: 200, body: JSONWriter.serialize(body))
            }
            if let answer { return answer }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// Every test here waits on a follower task; none may hang the run when the follower misbehaves.
@Suite(.timeLimit(.minutes(1))) struct VerifierSyncTests {
    static let now = SessionVerifierTests.now
    static let rsa = SessionVerifierTests.rsa
    static let ec = SessionVerifierTests.ec
    static let policy = ClaimPolicy(issuer: "https://tessera.test")

    static func configuration(staleAfter: Duration = .seconds(30), cooldown: Duration = .seconds(10)) -> VerifierSync.Configuration {
        var configuration = VerifierSync.Configuration(serverURL: "http://fake", secretKey: "sk_test_fake")
        configuration.staleAfter = staleAfter
        configuration.keyRefreshCooldown = cooldown
        configuration.retryDelay = .milliseconds(20)
        configuration.maximumRetryDelay = .milliseconds(50)
        configuration.pageLimit = 3
        return configuration
    }

    static func token(session: String? = "sess_1", user: String = "user_1", issuedAt: Int64 = now, key: SigningKey = ec) throws -> String {
        var claims = SessionVerifierTests.claims(now: issuedAt)
        claims.sessionID = session
        claims.subject = user
        return try key.mint(claims)
    }

    /// Runs `body` while `sync` follows the fake server.
    static func following(_ sync: VerifierSync, _ body: () async throws -> Void) async throws {
        let task = Task { try await sync.run() }
        defer { task.cancel() }
        #expect(await sync.waitUntilCurrent(timeout: .seconds(10)))
        try await body()
    }

    /// Polls until `condition` holds, for at most `timeout`; returns how long it took.
    static func eventually(within timeout: Duration = .seconds(5), _ condition: () -> Bool) async throws -> Duration? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < timeout {
            if condition() { return ContinuousClock.now - start }
            try await Task.sleep(for: .milliseconds(2))
        }
        return nil
    }

    static func expectEventually(
        within timeout: Duration = .seconds(5), sourceLocation: SourceLocation = #_sourceLocation, _ condition: () -> Bool
    ) async throws {
        let took = try await eventually(within: timeout, condition)
        #expect(took != nil, "the condition did not hold within \(timeout)", sourceLocation: sourceLocation)
    }

    static func rejection(_ verifier: SessionVerifier, _ token: String) -> VerificationError.Code? {
        do { _ = try verifier.verify(token, now: now); return nil } catch { return error.code }
    }

    @Test func aRevocationReachesTheVerifierWithinAPoll() async throws {
        let server = FakeServer(keys: [Self.ec.verificationKey])
        for index in 0..<7 { server.revokeSession("sess_old\(index)") }  // more than a page before the start
        let sync = VerifierSync(configuration: Self.configuration(), transport: server)
        let verifier = sync.verifier(policy: Self.policy)
        let token = try Self.token()
        try await Self.following(sync) {
            #expect(sync.revocations.count == 7 && sync.status.cursor == 7)
            #expect(Self.rejection(verifier, token) == nil)
            server.revokeSession("sess_1")
            // The pending long poll (its wait is 15 s) answers with the entry: well before a next poll could. The
            // bound says which poll brought it, not how fast the machine is (a loaded CI box took over 1 s).
            let took = try await Self.eventually(within: .seconds(12)) { Self.rejection(verifier, token) == .revoked }
            #expect(try #require(took) < .seconds(10))
            #expect(!sync.status.isStale && sync.status.keyIDs == [Self.ec.keyID!])
        }
    }

    @Test func aUserWideEntryRevokesTemplateTokensIssuedBeforeIt() async throws {
        let server = FakeServer(keys: [Self.ec.verificationKey])
        let sync = VerifierSync(configuration: Self.configuration(), transport: server)
        let verifier = sync.verifier(policy: ClaimPolicy(issuer: "https://tessera.test", requireSessionID: false))
        let before = try Self.token(session: nil, issuedAt: Self.now - 10)
        let after = try Self.token(session: nil, issuedAt: Self.now)
        try await Self.following(sync) {
            server.revokeUser("user_1", notBefore: (Self.now - 5) * 1000)
            try await Self.expectEventually { Self.rejection(verifier, before) == .revoked }
            #expect(Self.rejection(verifier, after) == nil, "a token issued after the cut-off (a new sign-in) stays valid")
        }
    }

    @Test func theVerifierFailsClosedWhenTheFeedCannotBeReachedAndRecovers() async throws {
        let server = FakeServer(keys: [Self.ec.verificationKey])
        let sync = VerifierSync(configuration: Self.configuration(staleAfter: .milliseconds(1500)), transport: server)
        let verifier = sync.verifier(policy: Self.policy)
        let token = try Self.token()
        // Before the first answer the list is unconfirmed: refused, with its own code.
        sync.keys.replace(with: try VerifierKeys([Self.ec.verificationKey]))
        #expect(Self.rejection(verifier, token) == .revocationsStale)
        try await Self.following(sync) {
            #expect(Self.rejection(verifier, token) == nil)
            server.state.withLock { $0.down = true }
            let failedClosed = try await Self.eventually { Self.rejection(verifier, token) == .revocationsStale }
            #expect(failedClosed != nil && sync.status.isStale && sync.status.lastError != nil)
            #expect(try #require(sync.status.revocationsAge) > .milliseconds(1500))
            server.revokeSession("sess_1")  // committed while we could not see it
            server.state.withLock { $0.down = false }
            try await Self.expectEventually { Self.rejection(verifier, token) == .revoked }
            #expect(!sync.status.isStale)
        }
    }

    @Test func aServerRestartMidPollLosesNothing() async throws {
        let server = FakeServer(keys: [Self.ec.verificationKey])
        let sync = VerifierSync(configuration: Self.configuration(), transport: server)
        let verifier = sync.verifier(policy: Self.policy)
        try await Self.following(sync) {
            server.revokeSession("sess_a")
            try await Self.expectEventually { sync.revocations.count == 1 }
            try await Task.sleep(for: .milliseconds(50))  // the follower is now in a long poll
            server.state.withLock { $0.down = true }  // the poll is cut off
            try await Task.sleep(for: .milliseconds(100))
            server.revokeSession("sess_b")  // lands while the server is down (it was committed before the crash)
            server.state.withLock { $0.down = false }
            let token = try Self.token(session: "sess_b")
            try await Self.expectEventually { Self.rejection(verifier, token) == .revoked }
            #expect(sync.revocations.snapshot.containsSession("sess_a"))
            #expect(sync.status.cursor == 2)
        }
    }

    @Test func aServerBackWithAnotherDatabaseIsFollowedFromASnapshot() async throws {
        let server = FakeServer(keys: [Self.ec.verificationKey])
        let sync = VerifierSync(configuration: Self.configuration(), transport: server)
        let verifier = sync.verifier(policy: Self.policy)
        try await Self.following(sync) {
            for index in 0..<5 { server.revokeSession("sess_gone\(index)") }
            try await Self.expectEventually { sync.status.cursor == 5 }
            // Restored from an older backup: its sequences are behind our cursor.
            server.state.withLock { state in
                state.entries = [FakeServer.Entry(seq: 1, session: "sess_kept")]
                state.highest = 1
            }
            server.revokeSession("sess_new")
            let kept = try Self.token(session: "sess_kept")
            let gone = try Self.token(session: "sess_gone0")
            try await Self.expectEventually { Self.rejection(verifier, kept) == .revoked && Self.rejection(verifier, gone) == nil }
            #expect(sync.revocations.count == 2 && sync.status.cursor == 2)
            server.revokeSession("sess_after")
            try await Self.expectEventually { Self.rejection(verifier, try! Self.token(session: "sess_after")) == .revoked }
        }
    }

    @Test func anUnknownKidFetchesTheKeysAgainAtMostOncePerCooldown() async throws {
        let server = FakeServer(keys: [Self.ec.verificationKey])
        let sync = VerifierSync(configuration: Self.configuration(cooldown: .milliseconds(800)), transport: server)
        let verifier = sync.verifier(policy: Self.policy)
        let rotated = try Self.token(key: Self.rsa)
        try await Self.following(sync) {
            #expect(server.state.withLock { $0.jwksFetches } == 1)
            #expect(Self.rejection(verifier, rotated) == .unknownKeyID)
            // The server rotates in the RSA key; the first unknown kid brings it (after the cooldown since start-up).
            server.state.withLock { $0.keys.append(Self.rsa.verificationKey) }
            try await Self.expectEventually { Self.rejection(verifier, rotated) == nil }
            #expect(server.state.withLock { $0.jwksFetches } == 2)
            // A flood of tokens with a kid nobody has: one more fetch per cooldown, not one per token.
            let stranger = try SigningKey(pem: Fixtures.testKey("eddsa.pem"))
            let forged = try Self.token(key: stranger)
            let start = ContinuousClock.now
            while ContinuousClock.now - start < .milliseconds(1200) {
                #expect(Self.rejection(verifier, forged) == .unknownKeyID)
                try await Task.sleep(for: .milliseconds(5))
            }
            let fetches = server.state.withLock { $0.jwksFetches }
            #expect(fetches >= 3 && fetches <= 4, "\(fetches) fetches")
        }
    }

    @Test func cacheControlSetsTheKeysLifetime() async throws {
        let server = FakeServer(keys: [Self.ec.verificationKey])
        server.state.withLock { $0.cacheControl = "no-cache" }  // held to the 10 s floor
        let sync = VerifierSync(configuration: Self.configuration(), transport: server)
        try await Self.following(sync) {
            try await Task.sleep(for: .milliseconds(300))
            #expect(server.state.withLock { $0.jwksFetches } == 1)
            #expect(try #require(sync.status.keysAge) < .seconds(10))
        }
    }

    @Test func aRefusedSecretKeyIsReportedAndFailsClosed() async throws {
        let server = FakeServer(keys: [Self.ec.verificationKey])
        var configuration = Self.configuration(staleAfter: .milliseconds(200))
        configuration.secretKey = "sk_test_wrong"
        let sync = VerifierSync(configuration: configuration, transport: server)
        let task = Task { try await sync.run() }
        defer { task.cancel() }
        // The key opens neither the tenant's JWKS nor its feed: nothing is loaded, every token is refused.
        try await Self.expectEventually(within: .seconds(15)) { sync.status.lastError?.contains("401") == true }
        #expect(!(await sync.waitUntilCurrent(timeout: .milliseconds(300))))
        #expect(sync.status.keysAge == nil)
        #expect(Self.rejection(sync.verifier(policy: Self.policy), try Self.token()) != nil)
    }
}

@Suite(.timeLimit(.minutes(1))) struct RevocationListTests {
    @Test func compactAndOtherSessionIDsAreKeptApart() {
        let lower = "sess_" + String(repeating: "ab", count: 16)
        let upper = "sess_" + String(repeating: "AB", count: 16)
        var snapshot = RevocationSnapshot(sessions: [lower, "sess_clerk_2abcXYZ"])
        #expect(snapshot.containsSession(lower) && !snapshot.containsSession(upper))
        #expect(snapshot.containsSession("sess_clerk_2abcXYZ") && !snapshot.containsSession("sess_clerk_2abcXYz"))
        snapshot.revokeSession(upper, retainUntil: 10_000)
        #expect(snapshot.containsSession(upper) && snapshot.count == 3)
        let later = snapshot.removingExpired(now: 10_000)
        #expect(!later.containsSession(upper) && later.containsSession(lower) && later.count == 2)
    }

    @Test func aLargeListFindsEveryEntryAndMissesTheRest() {
        var generator = SystemRandomNumberGenerator()
        func id() -> String {
            let value = UInt128(generator.next() as UInt64) << 64 | UInt128(generator.next() as UInt64)
            let hex = String(value, radix: 16)
            return "sess_" + String(repeating: "0", count: 32 - hex.count) + hex
        }
        let revoked = (0..<20_000).map { _ in id() }
        let list = RevocationList(RevocationSnapshot(sessions: Set(revoked)))
        list.revokeSession("sess_in_the_delta")
        #expect(revoked.allSatisfy { list.isRevoked(sessionID: $0, userID: nil, issuedAt: 0) })
        #expect(list.isRevoked(sessionID: "sess_in_the_delta", userID: nil, issuedAt: 0))
        #expect((0..<20_000).allSatisfy { _ in !list.isRevoked(sessionID: id(), userID: nil, issuedAt: 0) })
    }

    @Test func entriesLeaveOnlyAfterTheirRetention() {
        let list = RevocationList()
        list.revokeSession("sess_" + String(repeating: "0", count: 32), retainUntil: 5_000)
        list.revokeUser("user_1", notBefore: 1_000, retainUntil: 9_000)
        #expect(list.removeExpired(now: 4_999) == 0)
        #expect(list.removeExpired(now: 5_000) == 1)
        #expect(list.isRevoked(sessionID: nil, userID: "user_1", issuedAt: 1))
        #expect(list.removeExpired(now: 9_000) == 1 && list.count == 0)
    }

    @Test func writesFoldIntoTheBaseAndReadersSeeEveryCommittedEntry() async {
        let list = RevocationList()
        let ids = (0..<10_000).map { "sess_" + String(String($0, radix: 16)).leftPadded(to: 32) }
        // The readers spin until they have seen every entry. With a list that loses one they
        // would spin for ever (a time limit cannot stop a loop that never sleeps), so a reader
        // fails once a whole pass after the writer finished still misses an entry, or at a deadline.
        let writerDone = Flag()
        let deadline = ContinuousClock.now + .seconds(30)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for id in ids { list.revokeSession(id) }
                writerDone.set()
            }
            for _ in 0..<2 {
                group.addTask {
                    // Entries are added in order: once one is visible, every earlier one must be too.
                    var seen = 0
                    while seen < ids.count {
                        let finalPass = writerDone.isSet
                        while seen < ids.count, list.isRevoked(sessionID: ids[seen], userID: nil, issuedAt: 0) { seen += 1 }
                        guard seen == ids.count || (!finalPass && ContinuousClock.now < deadline) else {
                            Issue.record("entry \(seen) (\(ids[seen])) is not visible after the writer finished")
                            return
                        }
                        if seen > 0 { #expect(list.isRevoked(sessionID: ids[seen - 1], userID: nil, issuedAt: 0)) }
                        if seen < ids.count, let later = ids[seen...].dropFirst(50).first {
                            #expect(!list.isRevoked(sessionID: later, userID: nil, issuedAt: 0) || list.isRevoked(sessionID: ids[seen], userID: nil, issuedAt: 0))
                        }
                        await Task.yield()
                    }
                }
            }
        }
        #expect(list.snapshot.count == ids.count)
    }
}

/// Set once by one task, read by others.
private final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String { String(repeating: "0", count: max(0, length - count)) + self }
}
