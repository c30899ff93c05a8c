import Foundation
import SessionStorage
import SessionStoragePostgres
import SessionStorageSQLite

/// `make bench`, store sections: 1 M sessions (10 000 users × 100, each at an address spread evenly
/// over 10.0.0.0/8), then latency distributions of the operations the API leans on (`StoreWorkload`).
///
///     StoreBenchmarks            SQLite (WAL, synchronous=FULL: every write's fsync is in its figure);
///                                prints a table and `STORE_ROWS <json>` for the HTTP section and the PostgreSQL one
///     StoreBenchmarks postgres   the same on PostgreSQL (a fresh database on the server POSTGRES_URL names), printed
///                                beside SQLite's figures when SQLITE_STORE_ROWS holds that run's STORE_ROWS
///
/// `STORE_BENCH_SESSIONS` (default 1 000 000) and `STORE_BENCH_READS` (samples per read, default 10 000; writes and the
/// address lists take a fifth) scale a run down.
@main
struct StoreBenchmarks {
    static func main() async throws {
        let environment = ProcessInfo.processInfo.environment
        let total = Int(environment["STORE_BENCH_SESSIONS"] ?? "") ?? 1_000_000
        let reads = Int(environment["STORE_BENCH_READS"] ?? "") ?? 10_000
        let data = BenchData(users: max(1, total / 100), perUser: 100)
        if CommandLine.arguments.dropFirst().first == "postgres" {
            try await postgres(data, reads: reads, sqlite: environment["SQLITE_STORE_ROWS"].flatMap(StoreReport.parse) ?? [:])
        } else {
            try await sqlite(data, reads: reads)
        }
    }

    static func sqlite(_ data: BenchData, reads: Int) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-store-bench-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteSessionStore(path: directory.appendingPathComponent("bench.sqlite").path)
        try await store.createInstance(Instance(id: BenchData.instanceID, slug: "bench", environment: .development, createdAt: BenchData.t0))
        let loadStart = ContinuousClock.now
        for chunk in stride(from: 0, to: data.users, by: 1000) {
            let range = chunk..<min(data.users, chunk + 1000)
            try await store.importRecords(
                users: range.map(data.user), clients: range.map(data.client),
                sessions: range.flatMap { user in (0..<data.perUser).map { data.session(user: user, index: $0) } })
        }
        print("store (SQLite): \(data.total) sessions of \(data.users) users loaded in \(ContinuousClock.now - loadStart) (one transaction per 100 k)")
        let results = try await StoreWorkload(store: store, data: data, reads: reads).run()
        StoreReport.table(results)
        let byName = Dictionary(uniqueKeysWithValues: results.map { ($0.op, $0) })
        if let revoke = byName["store.revoke"], let audited = byName["store.revoke_audited"] {
            print("targets: list_by_user p99 < 1 ms; admin lists by address p99 < 5 ms; revoke p99 reported (each is a durable commit)")
            // The p99 of a durable commit is the WAL checkpoints' share (one every 1000 pages, paid by the commit that
            // crosses it): commits that write more pages pay more of them. The mean shows the whole cost.
            print(String(format: "revoke+audit / revoke: p50 %.3f, mean %.3f, p99 %.3f (the audit event is written in the revocation's transaction)",
                audited.percentile(0.5) / revoke.percentile(0.5), audited.mean / revoke.mean, audited.percentile(0.99) / revoke.percentile(0.99)))
            print("revokes over 3 ms (checkpoints): \(revoke.samples.filter { $0 > 3 }.count) plain, \(audited.samples.filter { $0 > 3 }.count) with the event, of \(revoke.samples.count) each")
        }
        print("STORE_ROWS \(StoreReport.json(results))")
    }

    static func postgres(_ data: BenchData, reads: Int, sqlite: [String: StoreReport.Row]) async throws {
        guard let url = ProcessInfo.processInfo.environment["POSTGRES_URL"], !url.isEmpty else {
            print("store (PostgreSQL): skipped: POSTGRES_URL unset")
            return
        }
        let server = try PostgresStoreConfiguration(url: url)
        try await PostgresBenchDatabase.withDatabase(server) { configuration in
            let store = try await PostgresSessionStore(configuration: configuration)
            do {
                try await store.createInstance(Instance(id: BenchData.instanceID, slug: "bench", environment: .development, createdAt: BenchData.t0))
                let settings = try await PostgresBenchDatabase.withConnection(configuration) { connection in
                    let loadStart = ContinuousClock.now
                    let phases = try await PostgresBenchDatabase.fill(connection, data)
                    let loaded = ContinuousClock.now - loadStart
                    let settings = try await ["server_version", "fsync", "synchronous_commit", "shared_buffers"].asyncMap {
                        "\($0)=\(try await PostgresBenchDatabase.setting(connection, $0))"
                    }
                    let seconds = phases.map { String(format: "%.1f", Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18) }
                    print("store (PostgreSQL): \(data.total) sessions of \(data.users) users loaded in \(loaded) (INSERT … SELECT generate_series"
                        + " \(seconds[0]) s, the session table's indexes \(seconds[1]) s, VACUUM ANALYZE \(seconds[2]) s)")
                    return settings
                }
                try await PostgresBenchDatabase.verify(store, data)
                print("  \(settings.joined(separator: ", ")); pool of \(configuration.poolSize), one operation at a time, loopback TCP")
                let results = try await StoreWorkload(store: store, data: data, reads: reads).run()
                StoreReport.sideBySide(results, sqlite: sqlite)
                print("PG_STORE_ROWS \(StoreReport.json(results))")
                await store.close()
            } catch {
                await store.close()
                throw error
            }
        }
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
