@testable import SessionDevices
import Testing

/// Agreement with uap-core's own test corpora, the yardstick the rich session's contract names: the
/// browser and OS families must agree on at least 99 % of the cases each (every rule and replacement
/// applied as the specification says), the device family is reported. The figures are printed.
@Suite struct UAPCoreCorpusTests {
    let rules = UAPCoreParser.shared

    /// What a parse of `text` gives, as the corpora test it (uap-core's raw names, no cleaning).
    func agreement(_ cases: [Corpus.Case], _ field: (UAPResult) -> (String, [String?])) -> (family: Int, full: Int, misses: [String]) {
        var (family, full) = (0, 0)
        var misses: [String] = []
        for testCase in cases {
            let (name, version) = field(rules.parse(testCase.userAgent))
            if name == testCase.family {
                family += 1
                if Array(version.prefix(testCase.version.count)) == testCase.version { full += 1 }
            } else if misses.count < 10 {
                misses.append("\(testCase.userAgent) → \(name), expected \(testCase.family)")
            }
        }
        return (family, full, misses)
    }

    static func percent(_ part: Int, _ whole: Int) -> String {
        String(Double(part * 10000 / max(whole, 1)) / 100) + " %"
    }

    @Test func browserFamiliesAgreeWithTestUA() {
        let cases = Corpus.userAgents
        #expect(cases.count == 1425)
        let result = agreement(cases) { ($0.browser.family, [$0.browser.major, $0.browser.minor, $0.browser.patch]) }
        print("uap-core test_ua.yaml: browser family \(result.family)/\(cases.count) = \(Self.percent(result.family, cases.count)); "
            + "with major.minor.patch \(result.full)/\(cases.count) = \(Self.percent(result.full, cases.count))")
        for miss in result.misses { print("  browser miss: \(miss)") }
        #expect(result.family * 100 >= cases.count * 99)
    }

    @Test func osFamiliesAgreeWithTestOS() {
        let cases = Corpus.systems
        #expect(cases.count == 456)
        let result = agreement(cases) { ($0.os.family, [$0.os.major, $0.os.minor, $0.os.patch, $0.os.patchMinor]) }
        print("uap-core test_os.yaml: OS family \(result.family)/\(cases.count) = \(Self.percent(result.family, cases.count)); "
            + "with its version \(result.full)/\(cases.count) = \(Self.percent(result.full, cases.count))")
        for miss in result.misses { print("  OS miss: \(miss)") }
        #expect(result.family * 100 >= cases.count * 99)
    }

    @Test func deviceFamiliesAgreeWithTestDevice() {
        let cases = Corpus.devices
        #expect(cases.count == 16111)
        let result = agreement(cases) { ($0.device.family, []) }
        print("uap-core test_device.yaml: device family \(result.family)/\(cases.count) = \(Self.percent(result.family, cases.count))")
        for miss in result.misses { print("  device miss: \(miss)") }
        // Reported rather than a target; the floor only catches a regression.
        #expect(result.family * 100 >= cases.count * 99)
    }

    /// The prefilter only skips regexes that cannot match: with it and without it, the results are the same.
    /// Without it every regex runs until the first match, so a sample of the corpora keeps this fast.
    @Test func prefilterNeverChangesAResult() {
        let sample = Corpus.distinctUserAgents.enumerated().filter { $0.offset % 50 == 0 }.map(\.element)
        #expect(sample.count > 300)
        var differ: [String] = []
        for agent in sample where rules.parse(agent) != rules.parse(agent, prefilter: false) { differ.append(agent) }
        #expect(differ.isEmpty, "prefilter changed: \(differ.prefix(5))")
    }

    /// ICU accepts every regex uap-core wrote for Python's `re` (a refused one would silently never match).
    @Test func everyRuleCompiles() {
        let all = rules.userAgentRules.rules + rules.osRules.rules + rules.deviceRules.rules
        #expect(all.count == 1162)
        let refused = all.filter { $0.regex == nil }.map(\.pattern)
        #expect(refused.isEmpty, "ICU refuses: \(refused.prefix(5))")
        #expect(rules.version == "0.16.0")
    }
}
