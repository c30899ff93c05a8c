import Foundation
import SessionNetwork
import SessionStorage

/// One operation's latencies in milliseconds, sorted.
struct Measured: Sendable {
    let op: String
    let samples: [Double]

    func percentile(_ p: Double) -> Double { samples.isEmpty ? 0 : samples[min(samples.count - 1, Int(Double(samples.count) * p))] }
    var mean: Double { samples.reduce(0, +) / Double(max(1, samples.count)) }
}

/// The operations timed on a store already holding `users × perUser` sessions (`BenchData`), the
/// same calls and the same counts whichever driver is under it, so that the SQLite and PostgreSQL
/// figures sit side by side. Reads first, then the writes, whose effects the later reads see
/// (the revocation feed holds the revokes' entries when it is read, and pruning removes them).
struct StoreWorkload {
    let store: any SessionStore
    let data: BenchData
    /// Samples of each read (get, list by user); writes and the address lists take a fifth.
    let reads: Int

    static func timed(_ count: Int, _ body: (Int) async throws -> Void) async rethrows -> [Double] {
        var samples: [Double] = []
        samples.reserveCapacity(count)
        for index in 0..<count {
            let start = ContinuousClock.now
            try await body(index)
            let elapsed = ContinuousClock.now - start
            samples.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
        }
        return samples.sorted()
    }

    func run() async throws -> [Measured] {
        let instance = BenchData.instanceID, t0 = BenchData.t0, users = data.users, perUser = data.perUser, total = data.total
        let writes = max(10, reads / 5)
        var results: [Measured] = []
        let store = self.store
        results.append(Measured(op: "store.get_session", samples: try await Self.timed(reads) { _ in
            let user = Int.random(in: 0..<users), index = Int.random(in: 0..<perUser)
            let session = try await store.session(instanceID: instance, id: "sess_\(user)_\(index)")
            precondition(session?.userID == "user_\(user)", "the bench data is not where it should be")
        }))
        results.append(Measured(op: "store.list_by_user", samples: try await Self.timed(reads) { _ in
            let page = try await store.sessions(SessionQuery(instanceID: instance, userID: "user_\(Int.random(in: 0..<users))", limit: 10, now: t0))
            precondition(page.items.count == 10 && page.totalCount >= perUser)
        }))
        func byAddress(_ name: String, _ block: @escaping (Int) -> String) async throws -> Measured {
            Measured(op: name, samples: try await Self.timed(writes) { _ in
                let n = Int.random(in: 0..<total)
                let page = try await store.activeSessions(ActiveSessionQuery(
                    instanceID: instance, addresses: IPNetwork(block(n)), limit: 51, now: t0 + 100_000))
                // The exact address finds its own session: the address index holds what the fill wrote.
                precondition(!page.isEmpty)
            })
        }
        results.append(try await byAddress("store.admin_by_ip") { BenchData.address($0) })
        results.append(try await byAddress("store.admin_by_cidr24") { BenchData.address($0).split(separator: ".").prefix(3).joined(separator: ".") + ".0/24" })
        results.append(try await byAddress("store.admin_by_cidr16") { BenchData.address($0).split(separator: ".").prefix(2).joined(separator: ".") + ".0.0/16" })
        // A new session for an existing user: a durable commit, the user's row read first.
        results.append(Measured(op: "store.create", samples: try await Self.timed(writes) { index in
            let user = Int.random(in: 0..<users), at = t0 + 200_000 + Int64(index)
            try await store.createSession(Session(
                id: "sess_new_\(index)", instanceID: instance, userID: "user_\(user)", clientID: "client_\(user)", lastActiveAt: at,
                expireAt: at + 7 * 86_400_000, abandonAt: at + 30 * 86_400_000, createdAt: at, updatedAt: at,
                activity: Session.Activity(ipAddress: BenchData.address(total + index))), audit: nil)
        }))
        // What a mint does to its session: last activity and the token horizon moved, one durable commit.
        results.append(Measured(op: "store.touch", samples: try await Self.timed(writes) { index in
            let at = t0 + 86_400_000 + Int64(index) * 61_000
            let session = try await store.touchSession(
                instanceID: instance, id: "sess_\(Int.random(in: 0..<users))_\(Int.random(in: 0..<perUser))", at: at, interval: 60_000,
                horizon: at + 3_600_000)
            precondition(session.lastActiveAt == at)
        }))
        // Revocations with and without their audit event, interleaved one by one so that drift (the
        // WAL growing, a checkpoint) falls on both alike: the event's cost is the difference.
        var revoke: [Double] = [], revokeAudited: [Double] = []
        let revocations = min(users, writes)
        for index in 0..<revocations {
            let audited = index % 2 == 0
            let audit = audited
                ? AuditDraft(
                    id: "aud_\(index)", type: "auth.session_revoked", occurredAt: t0 + 5000, actor: AuditEvent.Actor(type: .user, id: "user_\(index)"),
                    userID: "user_\(index)", sessionID: "sess_\(index)_0", ipAddress: "203.0.113.45",
                    userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
                    data: ["reason": .string("revoked")])
                : nil
            let sample = try await Self.timed(1) { _ in
                let (_, entry) = try await store.revokeSession(instanceID: instance, id: "sess_\(index)_0", at: t0 + 5000, leeway: 5000, audit: audit)
                precondition(entry != nil)
            }
            if audited { revokeAudited += sample } else { revoke += sample }
        }
        results.append(Measured(op: "store.revoke", samples: revoke.sorted()))
        results.append(Measured(op: "store.revoke_audited", samples: revokeAudited.sorted()))
        // A follower's page: the 100 entries after a cursor somewhere in the feed the revokes wrote.
        let head = try await store.revocationBounds().highestAssigned
        results.append(Measured(op: "store.revocations_after", samples: try await Self.timed(reads / 5) { _ in
            let cursor = Int64.random(in: 0...max(0, head - 100))
            let page = try await store.revocations(instanceID: instance, after: cursor, limit: 100)
            precondition(!page.isEmpty && page.count <= 100)
        }))
        // The pruning job's two cases: a run with nothing due (most runs), and one that deletes every
        // entry the revokes wrote (their sessions' expiry and the leeway have passed).
        results.append(Measured(op: "store.prune_none_due", samples: try await Self.timed(writes) { _ in
            let pruned = try await store.pruneRevocations(now: t0 + 5000)
            precondition(pruned == 0)
        }))
        results.append(Measured(op: "store.prune_all_due", samples: try await Self.timed(1) { _ in
            let pruned = try await store.pruneRevocations(now: t0 + 8 * 86_400_000)
            precondition(pruned >= revocations)
        }))
        return results
    }
}

/// The benchmark's records: `users` users with `perUser` sessions each, session `n` (user n / perUser)
/// at an address spread over 10.0.0.0/8. Both drivers are filled with exactly these.
struct BenchData: Sendable {
    static let instanceID = "ins_bench"
    static let t0: Int64 = 1_800_000_000_000
    let users: Int
    let perUser: Int
    var total: Int { users * perUser }

    /// Session `n`'s address: a bijection of 0..<2^24 onto 10.0.0.0/8 (an odd multiplier), so that
    /// neighbours land far apart and every /24 holds about the same number of sessions.
    static func address(_ n: Int) -> String {
        let spread = UInt32(truncatingIfNeeded: n &* 2_654_435_761) & 0x00FF_FFFF
        return "10.\(spread >> 16).\((spread >> 8) & 0xFF).\(spread & 0xFF)"
    }

    func user(_ index: Int) -> User { User(id: "user_\(index)", instanceID: Self.instanceID, createdAt: Self.t0, updatedAt: Self.t0) }
    func client(_ index: Int) -> Client { Client(id: "client_\(index)", instanceID: Self.instanceID, createdAt: Self.t0, updatedAt: Self.t0) }

    func session(user: Int, index: Int) -> Session {
        let at = Self.t0 + Int64(index) * 1000
        return Session(
            id: "sess_\(user)_\(index)", instanceID: Self.instanceID, userID: "user_\(user)", clientID: "client_\(user)",
            lastActiveAt: at, expireAt: at + 7 * 86_400_000, abandonAt: at + 30 * 86_400_000, createdAt: at, updatedAt: at,
            activity: Session.Activity(ipAddress: Self.address(user * perUser + index)))
    }
}
