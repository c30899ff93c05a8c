import BenchmarkSupport
import Foundation
import SessionDevices

/// `make bench`, device section: what parsing a user agent costs, on the distinct user agents of
/// uap-core's three test corpora (about 17 000: browsers, crawlers, phones, feature phones, apps).
/// - first pass: a new process's first parse of each, so every regex it needs compiles then;
/// - cold: a cache miss with the rules compiled (a new parser, each user agent once), with percentiles;
/// - cached: the same user agent again, a cache hit.
/// Prints a table and one JSON line.
@main
struct DeviceBenchmarks {
    static func corpus() throws -> [String] {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("SessionDevicesTests/Corpus")
        var seen = Set<String>()
        var agents: [String] = []
        for name in ["test_ua.json", "test_os.json", "test_device.json"] {
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            guard let rows = try JSONSerialization.jsonObject(with: data) as? [[Any]] else { throw BenchError("bad corpus \(name)") }
            for case let agent as String in rows.compactMap(\.first) where seen.insert(agent).inserted { agents.append(agent) }
        }
        return agents
    }

    struct BenchError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }

    static func main() throws {
        let agents = try corpus()
        let budget = 64 << 20  // every distinct user agent fits: the cold pass never evicts
        var checksum = 0

        let firstStart = CPUClock.now()
        let first = DeviceParser(cacheBytes: budget)
        for agent in agents { checksum &+= first.parse(userAgent: agent).browser.utf8.count }
        let firstPass = (CPUClock.now() - firstStart) / Double(agents.count)

        // Cold: misses only, rules compiled. Each user agent timed alone for the distribution.
        var samples: [Double] = []
        samples.reserveCapacity(agents.count)
        var coldTotal = 0.0
        for _ in 0..<3 {
            let cold = DeviceParser(cacheBytes: budget)
            let start = CPUClock.now()
            for agent in agents {
                let t0 = CPUClock.now()
                checksum &+= cold.parse(userAgent: agent).browser.utf8.count
                samples.append(CPUClock.now() - t0)
            }
            coldTotal += CPUClock.now() - start
        }
        let coldMean = coldTotal / Double(3 * agents.count)
        samples.sort()

        // Cached: the default 1 MiB cache, cycling over 1 000 user agents it holds.
        let cached = DeviceParser()
        let hot = Array(agents.prefix(1000))
        for agent in hot { _ = cached.parse(userAgent: agent) }
        var index = 0
        let cachedRate = CPUClock.rate(seconds: 2) {
            checksum &+= cached.parse(userAgent: hot[index]).os.utf8.count
            index = (index + 1) % hot.count
        }

        print("devices: \(agents.count) distinct user agents from uap-core 0.16.0's test corpora; CPU time of this thread")
        print(String(format: "%-34@ %10.2f µs/parse (rules decoded, regexes compiled as first needed)", "parse, first pass" as NSString, firstPass * 1e6))
        print(String(format: "%-34@ %10.2f µs/parse   p50 %.2f  p99 %.2f  max %.2f µs   target mean < 1000 µs",
            "parse, cold (cache miss)" as NSString, coldMean * 1e6, percentile(samples, 0.5) * 1e6, percentile(samples, 0.99) * 1e6,
            (samples.last ?? 0) * 1e6))
        print(String(format: "%-34@ %10.0f ns/parse", "parse, cached (hit)" as NSString, 1e9 / cachedRate))
        print(String(format: "{\"bench\":\"devices\",\"user_agents\":%d,\"rows\":[{\"op\":\"parse.first_pass\",\"us_per_op\":%.2f},{\"op\":\"parse.cold\",\"us_per_op\":%.2f,\"p50_us\":%.2f,\"p99_us\":%.2f,\"max_us\":%.2f},{\"op\":\"parse.cached\",\"ns_per_op\":%.0f}],\"checksum\":%d}",
            agents.count, firstPass * 1e6, coldMean * 1e6, percentile(samples, 0.5) * 1e6, percentile(samples, 0.99) * 1e6,
            (samples.last ?? 0) * 1e6, 1e9 / cachedRate, checksum))
    }
}
