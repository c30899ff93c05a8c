import Foundation
import SessionGeo
import SessionNetwork
import Testing

/// MaxMind's published test database (Fixtures/README.md says where it comes from and its licence).
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let cityTest = directory.appendingPathComponent("GeoIP2-City-Test.mmdb")
    /// The fixture's search tree: 1 547 nodes of 28-bit records (7 bytes a node), then 16 zero bytes.
    static let searchTreeBytes = nodeCount * 7
    static let dataSectionStart = searchTreeBytes + 16

    static func open() throws -> GeoIPDatabase { try GeoIPDatabase(path: cityTest.path) }

    static let nodeCount = 1547

    /// A 28-bit record of the fixture's tree: node `node`'s left (`bit` 0) or right (`bit` 1) child.
    static func record(_ bytes: Data, node: Int, bit: Int) -> Int {
        let b = bytes[(node * 7)..<(node * 7 + 7)].map(Int.init)
        return bit == 0 ? (b[3] & 0xF0) << 20 | b[0] << 16 | b[1] << 8 | b[2] : (b[3] & 0x0F) << 24 | b[4] << 16 | b[5] << 8 | b[6]
    }

    /// The fixture with its `::ffff:0:0/96` branch emptied. MaxMind's writer points that branch at the IPv4
    /// subtree (`::/96`); a database without the alias answers nothing for an IPv4-mapped address looked up as IPv6.
    static func withoutMappedAlias() throws -> Data {
        var bytes = try Data(contentsOf: cityTest)
        var node = 0
        for depth in 0..<95 {
            node = record(bytes, node: node, bit: depth < 80 ? 0 : 1)  // ::ffff:0:0 is 80 zero bits, then 16 ones
            precondition(node < nodeCount, "the fixture's ::ffff:0:0/96 branch is not a chain of nodes")
        }
        // The right record of the node reached after 95 bits is the /96 branch; node_count marks it empty.
        let offset = node * 7
        bytes[offset + 3] = bytes[offset + 3] & 0xF0 | UInt8(nodeCount >> 24 & 0x0F)
        bytes[offset + 4] = UInt8(nodeCount >> 16 & 0xFF)
        bytes[offset + 5] = UInt8(nodeCount >> 8 & 0xFF)
        bytes[offset + 6] = UInt8(nodeCount & 0xFF)
        return bytes
    }

    /// A temporary file holding `bytes`, removed when `body` returns.
    static func withTemporaryFile<T>(_ bytes: Data, _ body: (String) throws -> T) throws -> T {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-geo-\(UUID().uuidString).mmdb")
        try bytes.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url.path)
    }
}

func ip(_ text: String) throws -> IPAddress { try #require(IPAddress(text)) }

@Suite struct GeoIPDatabaseTests {
    let database: GeoIPDatabase

    init() throws {
        database = try Fixture.open()
    }

    @Test func metadata() {
        #expect(database.databaseType == "GeoIP2-City")
        #expect(database.buildEpoch > 1_000_000_000)
        #expect(database.path == Fixture.cityTest.path)
    }

    @Test(arguments: [
        ("81.2.69.142", "London", "GB"), ("2.125.160.216", "Boxford", "GB"), ("89.160.20.115", "Linköping", "SE"),
        ("175.16.199.1", "Changchun", "CN"), ("216.160.83.58", "Milton", "US"),
    ])
    func knownIPv4Answers(address: String, city: String, country: String) throws {
        #expect(database.location(of: try ip(address)) == Location(city: city, country: country))
    }

    @Test func countryWithoutCity() throws {
        #expect(database.location(of: try ip("67.43.156.1")) == Location(country: "BT"))
    }

    @Test func ipv6Addresses() throws {
        #expect(database.location(of: try ip("2001:480:10::1")) == Location(city: "San Diego", country: "US"))
        #expect(database.location(of: try ip("2001:218::1")) == Location(country: "JP"))
        #expect(database.location(of: try ip("2a02:d3c0:ffff::1")) == Location(country: "GB"))
        #expect(database.location(of: try ip("2001:db8::1")) == nil)
    }

    @Test func ipv4MappedAddressIsLookedUpAsIPv4() throws {
        let mapped = try ip("::ffff:81.2.69.142")
        #expect(mapped.isIPv4)
        #expect(database.location(of: mapped) == Location(city: "London", country: "GB"))
        #expect(database.location(of: IPAddress(value: 0xFFFF_5102_458E)) == Location(city: "London", country: "GB"))
    }

    @Test func ipv4MappedAddressNeedsNoAliasInTheDatabase() throws {
        try Fixture.withTemporaryFile(try Fixture.withoutMappedAlias()) { path in
            let database = try GeoIPDatabase(path: path)
            #expect(database.location(of: try ip("::ffff:81.2.69.142")) == Location(city: "London", country: "GB"))
            #expect(database.location(of: try ip("::ffff:2.125.160.216")) == Location(city: "Boxford", country: "GB"))
        }
    }

    @Test func addressesNotInTheDatabase() throws {
        #expect(database.location(of: try ip("1.1.1.1")) == nil)
        #expect(database.location(of: try ip("127.0.0.1")) == nil)
        #expect(database.location(of: try ip("::1")) == nil)
        #expect(database.location(of: try ip("::")) == nil)
        #expect(database.location(of: try ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")) == nil)
    }

    @Test func recordsWithNeitherCityNorCountryAreUnknown() throws {
        // In the database, but their records hold no country and no city.
        #expect(database.location(of: try ip("214.1.1.1")) == nil)
        #expect(database.location(of: try ip("2a02:d500::1")) == nil)
    }

    @Test func lookupsFromManyThreadsAgree() async throws {
        let london = try ip("81.2.69.142")
        let boxford = try ip("2.125.160.216")
        let database = self.database
        let answers = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<64 {
                group.addTask {
                    (0..<200).allSatisfy { _ in
                        index.isMultiple(of: 2)
                            ? database.location(of: london)?.city == "London"
                            : database.location(of: boxford)?.city == "Boxford"
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(answers.count == 64 && answers.allSatisfy { $0 })
    }
}

@Suite struct GeoIPDatabaseOpenTests {
    func openError(_ path: String) -> GeoError? {
        do {
            _ = try GeoIPDatabase(path: path)
            return nil
        } catch {
            return error
        }
    }

    @Test func missingFileIsUnreadable() {
        let error = openError("/nonexistent/GeoIP2-City.mmdb")
        #expect(error?.code == .unreadable)
        #expect(error?.reason.contains("/nonexistent/GeoIP2-City.mmdb") == true)
        #expect(error?.reason.contains("No such file or directory") == true)
    }

    @Test func directoryIsUnreadable() {
        let error = openError(Fixture.directory.path)
        #expect(error?.code == .unreadable)
        #expect(error?.reason.contains("not a regular file") == true)
    }

    @Test func emptyFileIsRefused() throws {
        let error = try Fixture.withTemporaryFile(Data()) { openError($0) }
        #expect(error?.code == .invalidDatabase)
        #expect(error?.reason.contains("empty") == true)
    }

    @Test func garbageIsNotADatabase() throws {
        var generator = SystemRandomNumberGenerator()
        let garbage = Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let error = try Fixture.withTemporaryFile(garbage) { openError($0) }
        #expect(error?.code == .invalidDatabase)
        let text = try Fixture.withTemporaryFile(Data("not a database\n".utf8)) { openError($0) }
        #expect(text?.code == .invalidDatabase)
    }

    @Test(arguments: [0.5, 0.9, 0.995])
    func truncatedFileIsRefused(fraction: Double) throws {
        let whole = try Data(contentsOf: Fixture.cityTest)
        let truncated = whole.prefix(Int(Double(whole.count) * fraction))
        let error = try Fixture.withTemporaryFile(truncated) { openError($0) }
        #expect(error?.code == .invalidDatabase)
    }

    @Test func damagedSearchTreeIsRefusedAtOpen() throws {
        // Metadata intact, so libmaxminddb alone would open it and fail lookup by lookup.
        var damaged = try Data(contentsOf: Fixture.cityTest)
        damaged.replaceSubrange(0..<Fixture.searchTreeBytes, with: Data(repeating: 0xFF, count: Fixture.searchTreeBytes))
        let error = try Fixture.withTemporaryFile(damaged) { openError($0) }
        #expect(error?.code == .invalidDatabase)
        #expect(error?.reason.contains("search tree") == true)
        // One record pointing into the 16-byte separator, the rest intact.
        var oneRecord = try Data(contentsOf: Fixture.cityTest)
        let separator = UInt32(Fixture.nodeCount + 3)  // a data pointer below node_count + 16
        oneRecord[0] = UInt8(truncatingIfNeeded: separator >> 16)
        oneRecord[1] = UInt8(truncatingIfNeeded: separator >> 8)
        oneRecord[2] = UInt8(truncatingIfNeeded: separator)
        oneRecord[3] &= 0x0F  // the high nibble of the middle byte is the left record's top 4 bits
        let oneError = try Fixture.withTemporaryFile(oneRecord) { openError($0) }
        #expect(oneError?.code == .invalidDatabase)
    }

    @Test func damagedDataSectionAnswersNilNeverTraps() throws {
        // The tree is sound but the records it points to are garbage: lookups find an entry they cannot decode.
        var damaged = try Data(contentsOf: Fixture.cityTest)
        let range = Fixture.dataSectionStart..<(Fixture.dataSectionStart + 4000)
        damaged.replaceSubrange(range, with: Data(repeating: 0xFF, count: range.count))
        try Fixture.withTemporaryFile(damaged) { path in
            let database = try GeoIPDatabase(path: path)
            for address in ["81.2.69.142", "2.125.160.216", "2001:218::1", "89.160.20.115"] {
                #expect(database.location(of: try ip(address)) == nil)
            }
        }
    }
}
