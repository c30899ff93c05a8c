import BenchmarkSupport
import Foundation
import SessionDevices

/// `make bench`, device section: what parsing a user agent costs, on the distinct user agents of
/// uap-core's three test corpora (about 17 000: browsers, crawlers, phones, feature phones, apps).
/// - first pass: a new process's first parse of each, so every regex it needs compiles then;
/// - cold: a cache miss with the rules compiled (a new parser, each user agent once), with percentiles and
///   the slowest (its time includes the miss's cache insert, and any growth of the cache's hash table then);
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
        var checksum = 0

        let firstStart = CPUClock.now()
        let first = DeviceParser()
        _ = first.parse(userAgent: agents[0])
        let load = CPUClock.now() - firstStart
        for agent in agents { checksum &+= first.parse(userAgent: agent).browser.utf8.count }
        let firstPass = (CPUClock.now() - firstStart) / Double(agents.count)

        // Cold: misses only, rules compiled, through the default 1 MiB cache (once full, each miss evicts
        // an entry, as on a server). Each user agent timed alone for the distribution.
        var samples: [Double] = []
        samples.reserveCapacity(3 * agents.count)
        var slowest = (seconds: 0.0, agent: "", index: 0)
        var coldTotal = 0.0
        for _ in 0..<3 {
            let cold = DeviceParser()
            let start = CPUClock.now()
            for (index, agent) in agents.enumerated() {
                let t0 = CPUClock.now()
                checksum &+= cold.parse(userAgent: agent).browser.utf8.count
                let seconds = CPUClock.now() - t0
                samples.append(seconds)
                if seconds > slowest.seconds { slowest = (seconds, agent, index) }
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
        print(String(format: "%-34@ %10.2f ms (the rules decoded, the prefilter built)", "first parse in the process" as NSString, load * 1e3))
        print(String(format: "%-34@ %10.2f µs/parse (regexes compiled as first needed)", "parse, first pass" as NSString, firstPass * 1e6))
        print(String(format: "%-34@ %10.2f µs/parse   p50 %.2f  p99 %.2f  max %.2f µs   target mean < 1000 µs",
            "parse, cold (cache miss)" as NSString, coldMean * 1e6, percentile(samples, 0.5) * 1e6, percentile(samples, 0.99) * 1e6,
            (samples.last ?? 0) * 1e6))
        print("  slowest: \(slowest.agent.prefix(100).debugDescription) (\(slowest.agent.utf8.count) bytes, parse #\(slowest.index + 1) of its pass)")
        print(String(format: "%-34@ %10.0f ns/parse", "parse, cached (hit)" as NSString, 1e9 / cachedRate))
        print(String(format: "{\"bench\":\"devices\",\"user_agents\":%d,\"rows\":[{\"op\":\"rules.load\",\"ms\":%.2f},{\"op\":\"parse.first_pass\",\"us_per_op\":%.2f},{\"op\":\"parse.cold\",\"us_per_op\":%.2f,\"p50_us\":%.2f,\"p99_us\":%.2f,\"max_us\":%.2f},{\"op\":\"parse.cached\",\"ns_per_op\":%.0f}],\"checksum\":%d}",
            agents.count, load * 1e3, firstPass * 1e6, coldMean * 1e6, percentile(samples, 0.5) * 1e6, percentile(samples, 0.99) * 1e6,
            (samples.last ?? 0) * 1e6, 1e9 / cachedRate, checksum))
    }
}
