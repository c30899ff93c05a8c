import SessionNetwork
import SessionStorage
import SessionStorageSQLite
import Testing

/// The admin list of an address block takes one of two paths in SQLite (sorted from the address
/// index for a narrow block, the creation-ordered index for a dense one); both give the same pages.
@Suite struct AddressBlockTests {
    static let t0: Int64 = 1_800_000_000_000

    @Test func denseAndNarrowBlocksPageAlikeNewestFirst() async throws {
        let store = try SQLiteSessionStore(path: ":memory:")
        try await store.createInstance(Instance(id: "ins_a", slug: "a-1", environment: .development, createdAt: Self.t0))
        let users = [User(id: "user_1", instanceID: "ins_a", createdAt: Self.t0, updatedAt: Self.t0)]
        let clients = [Client(id: "client_1", instanceID: "ins_a", createdAt: Self.t0, updatedAt: Self.t0)]
        // 6 000 sessions in 10.0.0.0/16 (dense: more than the sort limit), every fourth in 10.0.7.0/24, some
        // created in the same millisecond, a few expired or revoked.
        var sessions: [Session] = []
        for index in 0..<6000 {
            let at = Self.t0 + Int64(index / 3)
            let address = index % 4 == 0 ? "10.0.7.\(index % 250)" : "10.0.\(index % 200 + 10).\(index % 250)"
            sessions.append(Session(
                id: "sess_\(String(index, radix: 16))", instanceID: "ins_a", userID: "user_1", clientID: "client_1", lastActiveAt: at,
                expireAt: index % 97 == 0 ? Self.t0 + 1 : at + 86_400_000, abandonAt: at + 86_400_000, createdAt: at, updatedAt: at,
                activity: Session.Activity(ipAddress: address)))
        }
        try await store.importRecords(users: users, clients: clients, sessions: sessions)
        let now = Self.t0 + 10_000
        for id in ["sess_5", "sess_77a", "sess_1000"] { _ = try await store.revokeSession(instanceID: "ins_a", id: id, at: now, leeway: 0) }
        let revoked: Set = ["sess_5", "sess_77a", "sess_1000"]
        for block in ["10.0.0.0/16", "10.0.7.0/24", "10.0.7.4"] {
            let network = try #require(IPNetwork(block))
            let expected = sessions.filter {
                $0.expireAt > now && !revoked.contains($0.id) && network.contains(IPAddress($0.activity!.ipAddress!)!)
            }.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }.map(\.id)
            var seen: [String] = []
            var cursor: SessionCursor?
            repeat {
                let page = try await store.activeSessions(ActiveSessionQuery(instanceID: "ins_a", addresses: network, after: cursor, limit: 500, now: now))
                seen += page.map(\.id)
                cursor = page.count == 500 ? page.last.map { SessionCursor(createdAt: $0.createdAt, id: $0.id) } : nil
            } while cursor != nil
            #expect(seen == expected, "block \(block): \(seen.count) listed, \(expected.count) expected")
        }
        #expect(sessions.filter { IPNetwork("10.0.0.0/16")!.contains(IPAddress($0.activity!.ipAddress!)!) }.count > 4096, "the dense path is taken")
    }
}
