@testable import SessionDevices
import Testing

/// The parser's cache: keyed by the text parsed and the hints, bounded in bytes whatever is thrown at it.
@Suite struct DeviceCacheTests {
    @Test func holdsItsBudgetUnderAFloodOfDistinctUserAgents() {
        let budget = 32 << 10
        let parser = DeviceParser(cacheBytes: budget)
        var overBudget = 0
        var fullest = 0
        for index in 0..<4_000 {
            let agent = "Mozilla/5.0 (X11; Linux x86_64; rv:\(index).0) Gecko/20100101 Firefox/\(index).0 flood-\(index)"
            #expect(parser.parse(userAgent: agent).browser == "Firefox")
            let usage = parser.cacheUsage
            if usage.bytes > budget { overBudget += 1 }
            fullest = max(fullest, usage.count)
        }
        #expect(overBudget == 0)
        // Full, not emptied: a flood evicts the oldest entries one at a time.
        let usage = parser.cacheUsage
        print("device cache: \(usage.count) entries in \(usage.bytes) of \(budget) bytes, \(usage.bytes / max(usage.count, 1)) bytes each")
        #expect(usage.bytes > budget / 2 && usage.count > 50 && usage.count >= fullest * 9 / 10)
        #expect(usage.count < 4_000)
    }

    @Test func aRepeatIsAHitAndHintsAreAPartOfTheKey() {
        let parser = DeviceParser()
        let agent = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36"
        let first = parser.parse(userAgent: agent)
        #expect(parser.parse(userAgent: agent) == first)
        #expect(parser.cacheUsage.count == 1)
        let hinted = parser.parse(userAgent: agent, hints: ClientHints(mobile: false, platform: "Android"))
        #expect(hinted.type == .tablet && first.type == .mobile)
        #expect(parser.cacheUsage.count == 2)
    }

    @Test func aZeroBudgetCachesNothingAndStillParses() {
        let parser = DeviceParser(cacheBytes: 0)
        #expect(parser.parse(userAgent: "curl/8.5.0").type == .bot)
        #expect(parser.cacheUsage.count == 0 && parser.cacheUsage.bytes == 0)
    }

    @Test func concurrentParsesAgreeWithSequentialOnes() async {
        let agents = Array(Corpus.userAgents.prefix(200).map(\.userAgent))
        let expected = agents.map { DeviceParser(cacheBytes: 0).parse(userAgent: $0) }
        let shared = DeviceParser(cacheBytes: 16 << 10)
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var wrong = 0
                    for round in 0..<2 {
                        for (index, agent) in agents.enumerated() where (index + worker + round) % 2 == 0 {
                            if shared.parse(userAgent: agent) != expected[index] { wrong += 1 }
                        }
                    }
                    return wrong
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }
}
