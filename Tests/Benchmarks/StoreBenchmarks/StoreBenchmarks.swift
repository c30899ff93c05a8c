import Foundation
import SessionNetwork
import SessionStorage
import SessionStorageSQLite

/// `make bench`, store section: 1 M sessions in a SQLite file (WAL, synchronous=FULL), then latency
/// distributions of the operations the API leans on: get a session, list a user's sessions, revoke
/// (a durable commit: fsync included), and the admin list of a tenant's active sessions filtered by
/// address: one exact address, a /24 (about 60 sessions) and a /16 (about 15 000), one page of 50.
/// Every session has an address spread evenly over 10.0.0.0/8. Prints a table and `STORE_ROWS <json>` for the HTTP section's line.
/// Session `n`'s address: a bijection of 0..<2^24 onto 10.0.0.0/8 (an odd multiplier), so that
/// neighbours land far apart and every /24 holds about the same number of sessions.
@Sendable func address(_ n: Int) -> String {
    let spread = UInt32(truncatingIfNeeded: n &* 2_654_435_761) & 0x00FF_FFFF
    return "10.\(spread >> 16).\((spread >> 8) & 0xFF).\(spread & 0xFF)"
}

@main
struct StoreBenchmarks {
    static func percentile(_ sorted: [Double], _ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }

    static func timed(_ count: Int, _ body: @Sendable (Int) async throws -> Void) async rethrows -> [Double] {
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

    static func main() async throws {
        let total = Int(ProcessInfo.processInfo.environment["STORE_BENCH_SESSIONS"] ?? "") ?? 1_000_000
        let perUser = 100
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-store-bench-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteSessionStore(path: directory.appendingPathComponent("bench.sqlite").path)
        let t0: Int64 = 1_800_000_000_000
        try await store.createInstance(Instance(id: "ins_bench", slug: "bench", environment: .development, createdAt: t0))
        let users = total / perUser
        let loadStart = ContinuousClock.now
        for chunk in stride(from: 0, to: users, by: 1000) {
            let range = chunk..<min(users, chunk + 1000)
            let userRecords = range.map { User(id: "user_\($0)", instanceID: "ins_bench", createdAt: t0, updatedAt: t0) }
            let clients = range.map { Client(id: "client_\($0)", instanceID: "ins_bench", createdAt: t0, updatedAt: t0) }
            var sessions: [Session] = []
            sessions.reserveCapacity(range.count * perUser)
            for user in range {
                for index in 0..<perUser {
                    let at = t0 + Int64(index) * 1000
                    sessions.append(Session(
                        id: "sess_\(user)_\(index)", instanceID: "ins_bench", userID: "user_\(user)", clientID: "client_\(user)",
                        lastActiveAt: at, expireAt: at + 7 * 86_400_000, abandonAt: at + 30 * 86_400_000, createdAt: at, updatedAt: at,
                        activity: Session.Activity(ipAddress: address(user * perUser + index))))
                }
            }
            try await store.importRecords(users: userRecords, clients: clients, sessions: sessions)
        }
        let loaded = ContinuousClock.now - loadStart
        print("store: \(total) sessions of \(users) users loaded in \(loaded) (one transaction per 100 k)")

        let get = try await timed(10_000) { _ in
            let user = Int.random(in: 0..<users)
            _ = try await store.session(instanceID: "ins_bench", id: "sess_\(user)_\(Int.random(in: 0..<perUser))")
        }
        let list = try await timed(10_000) { _ in
            _ = try await store.sessions(SessionQuery(
                instanceID: "ins_bench", userID: "user_\(Int.random(in: 0..<users))", limit: 10, now: t0))
        }
        func byAddress(_ block: @escaping @Sendable () -> String) async throws -> [Double] {
            try await timed(2_000) { _ in
                let page = try await store.activeSessions(ActiveSessionQuery(
                    instanceID: "ins_bench", addresses: IPNetwork(block()), limit: 51, now: t0 + 100_000))
                precondition(!page.isEmpty)
            }
        }
        let exact = try await byAddress { address(Int.random(in: 0..<total)) }
        let slash24 = try await byAddress { address(Int.random(in: 0..<total)).split(separator: ".").prefix(3).joined(separator: ".") + ".0/24" }
        let slash16 = try await byAddress { address(Int.random(in: 0..<total)).split(separator: ".").prefix(2).joined(separator: ".") + ".0.0/16" }
        // Revocations with and without their audit event, interleaved one by one so that drift (the
        // WAL growing, a checkpoint) falls on both alike: the event's cost is the difference.
        var revoke: [Double] = []
        var revokeAudited: [Double] = []
        for index in 0..<2_000 {
            let audited = index % 2 == 0
            let audit = audited
                ? AuditDraft(
                    id: "aud_\(index)", type: "auth.session_revoked", occurredAt: t0 + 5000, actor: AuditEvent.Actor(type: .user, id: "user_\(index)"),
                    userID: "user_\(index)", sessionID: "sess_\(index)_0", ipAddress: "203.0.113.45",
                    userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
                    data: ["reason": .string("revoked")])
                : nil
            let sample = try await timed(1) { _ in
                _ = try await store.revokeSession(instanceID: "ins_bench", id: "sess_\(index)_0", at: t0 + 5000, leeway: 5000, audit: audit)
            }
            if audited { revokeAudited += sample } else { revoke += sample }
        }
        revoke.sort()
        revokeAudited.sort()
        // The p99 of a durable commit is the WAL checkpoints' share (one every 1000 pages, paid by the commit that
        // crosses it): commits that write more pages pay more of them. The mean shows the whole cost.
        let mean = { (samples: [Double]) in samples.reduce(0, +) / Double(max(1, samples.count)) }
        print("op                    p50 ms   p99 ms   max ms")
        for (name, samples) in [
            ("store.get_session", get), ("store.list_by_user", list), ("store.admin_by_ip", exact), ("store.admin_by_cidr24", slash24),
            ("store.admin_by_cidr16", slash16), ("store.revoke (fsync)", revoke), ("store.revoke+audit", revokeAudited),
        ] {
            print(String(format: "%-20@ %8.3f %8.3f %8.3f", name as NSString, percentile(samples, 0.5), percentile(samples, 0.99), samples.last ?? 0))
        }
        print("targets: list_by_user p99 < 1 ms; admin lists by address p99 < 5 ms; revoke p99 reported (each is a durable commit)")
        print(String(format: "revoke+audit / revoke: p50 %.3f, mean %.3f, p99 %.3f (the audit event is written in the revocation's transaction)",
            percentile(revokeAudited, 0.5) / percentile(revoke, 0.5), mean(revokeAudited) / mean(revoke),
            percentile(revokeAudited, 0.99) / percentile(revoke, 0.99)))
        print("revokes over 3 ms (checkpoints): \(revoke.filter { $0 > 3 }.count) plain, \(revokeAudited.filter { $0 > 3 }.count) with the event, of \(revoke.count) each")
        let rows = [
            ("store.get_session", get), ("store.list_by_user", list), ("store.admin_by_ip", exact), ("store.admin_by_cidr24", slash24),
            ("store.admin_by_cidr16", slash16), ("store.revoke", revoke), ("store.revoke_audited", revokeAudited),
        ].map { #"{"op":"\#($0.0)","p50_ms":\#(String(format: "%.3f", percentile($0.1, 0.5))),"p99_ms":\#(String(format: "%.3f", percentile($0.1, 0.99)))}"# }
        print("STORE_ROWS [\(rows.joined(separator: ","))]")
    }
}
