import Foundation

/// uap-core 0.16.0's test corpora (`Corpus/`, converted by `Scripts/convert-uap-core.py`), each read
/// once per test run: the device corpus alone holds 16 111 cases.
enum Corpus {
    struct Case: Sendable {
        var userAgent: String
        var family: String
        /// major, minor, patch (and patch_minor for OSes); nil where the corpus has none.
        var version: [String?]
    }

    static let userAgents = load("test_ua.json")
    static let systems = load("test_os.json")
    static let devices = load("test_device.json")

    /// Every distinct user agent of the three corpora, in corpus order.
    static let distinctUserAgents: [String] = {
        var seen = Set<String>()
        return (userAgents + systems + devices).map(\.userAgent).filter { seen.insert($0).inserted }
    }()

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")

    static func load(_ name: String) -> [Case] {
        do {
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            guard let rows = try JSONSerialization.jsonObject(with: data) as? [[Any]] else { return [] }
            return rows.compactMap { row in
                guard row.count >= 2, let agent = row[0] as? String, let family = row[1] as? String else { return nil }
                return Case(userAgent: agent, family: family, version: row.dropFirst(2).map { $0 as? String })
            }
        } catch {
            // An empty corpus fails every agreement test below (each checks its case count).
            return []
        }
    }
}
