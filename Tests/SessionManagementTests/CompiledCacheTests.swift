@testable import SessionManagement
import Testing

/// The bounded cache behind template minting: one build per source, a changed source rebuilt in
/// place, and memory held under its count and byte limits with the recently used kept.
@Suite struct CompiledCacheTests {
    struct Failed: Error {}

    @Test func aValueIsBuiltOncePerSourceAndRebuiltWhenTheSourceChanges() {
        let cache = CompiledCache<String, String>(countLimit: 8, byteLimit: 1 << 20)
        var builds = 0
        func value(_ id: String, _ source: String) -> String {
            cache.value(id: id, source: source, cost: 10) { source in
                builds += 1
                return source.uppercased()
            }
        }
        #expect(value("a", "one") == "ONE" && value("a", "one") == "ONE" && builds == 1)
        #expect(value("a", "two") == "TWO" && builds == 2, "a changed source is a miss")
        #expect(value("a", "two") == "TWO" && builds == 2, "and its value replaced the old one")
        #expect(value("a", "one") == "ONE" && builds == 3, "an older source is not served from a newer entry")
        #expect(value("b", "one") == "ONE" && builds == 4, "entries are per id")
        #expect(cache.usage.count == 2 && cache.usage.bytes == 20)
    }

    @Test func aFailedBuildIsNotKept() throws {
        let cache = CompiledCache<String, String>(countLimit: 8, byteLimit: 1 << 20)
        #expect(throws: Failed.self) { try cache.value(id: "a", source: "x", cost: 1) { _ throws(Failed) in throw Failed() } }
        #expect(cache.usage.count == 0)
        #expect(try cache.value(id: "a", source: "x", cost: 1) { _ throws(Failed) in "ok" } == "ok")
    }

    @Test func theCountLimitHoldsAndKeepsTheRecentlyUsed() {
        let cache = CompiledCache<Int, Int>(countLimit: 16, byteLimit: 1 << 20)
        var builds = 0
        func touch(_ id: String, _ source: Int) { _ = cache.value(id: id, source: source, cost: 1) { source in builds += 1; return source } }
        touch("keep", 0)
        for index in 0..<200 {
            touch("id\(index)", index)
            touch("keep", 0)
            #expect(cache.usage.count <= 16)
        }
        #expect(builds == 201, "the entry in use was never evicted")
        #expect(cache.usage.count > 8, "eviction drops a quarter, not everything")
    }

    @Test func theByteLimitHoldsAndAnOversizedValueIsNotKept() {
        let cache = CompiledCache<Int, Int>(countLimit: 1000, byteLimit: 1000)
        for index in 0..<100 {
            _ = cache.value(id: "id\(index)", source: index, cost: 100) { $0 }
            #expect(cache.usage.bytes <= 1000)
        }
        var builds = 0
        for _ in 0..<3 { _ = cache.value(id: "big", source: 1, cost: 251) { source in builds += 1; return source } }
        #expect(builds == 3 && cache.usage.bytes <= 1000)
    }
}
