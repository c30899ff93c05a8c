public import Foundation
public import SessionTokens

/// Files the tests read, all in the repository: key fixtures (`keys/test/`) and the Wycheproof
/// vectors copied in with their source and licence (`Vectors/wycheproof/SOURCES.md`).
public enum Fixtures {
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    public static func testKey(_ name: String) throws -> String {
        try String(contentsOf: repository.appendingPathComponent("keys/test/\(name)"), encoding: .utf8)
    }

    /// `Tests/TestFixtures/Vectors/wycheproof/<name>`.
    public static func wycheproof(_ name: String) throws -> JSONObject {
        let url = repository.appendingPathComponent("Tests/TestFixtures/Vectors/wycheproof/\(name)")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw FixtureError(message: "missing \(url.path)")
        }
        return try JSONParser.parseObject(Array(data))
    }

    public static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            bytes.append(UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)!)
        }
        return bytes
    }

    public struct FixtureError: Error, CustomStringConvertible {
        let message: String
        public var description: String { message }
    }
}
