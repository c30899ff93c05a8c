import Foundation

/// uap-core's three lists (user agents, operating systems, devices) and how its specification
/// (`docs/specification.md`) applies them: in order, the first regex that matches anywhere in the text
/// wins, and its replacements, or else its capture groups, give the fields; no match gives "Other".
///
/// One instance per process (`shared`), built on first use from the embedded rules: decoding them and
/// building the prefilter takes 17–30 ms in a release build, and each regex compiles when first needed.
final class UAPCoreParser: Sendable {
    static let shared = UAPCoreParser(json: uapCoreRulesJSON)

    /// The uap-core release the rules come from.
    let version: String
    let userAgentRules: UAPRuleList
    let osRules: UAPRuleList
    let deviceRules: UAPRuleList
    private let scanner: LiteralScanner

    private struct File: Decodable {
        struct Entry: Decodable {
            var regex: String
            var caseInsensitive: Bool?
            var replacements: [String?]?
            var literals: [[String]]
        }

        var uapCore: String
        var userAgent: [Entry]
        var os: [Entry]
        var device: [Entry]
    }

    init(json: String) {
        // The rules are generated and committed with the code: failing to read them is a build defect.
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(json.utf8))
        } catch {
            preconditionFailure("the embedded uap-core rules do not decode: \(error)")
        }
        var ids: [String: Int32] = [:]
        var literals: [[UInt8]] = []
        func rules(_ entries: [File.Entry]) -> UAPRuleList {
            UAPRuleList(entries.map { entry in
                let literalIDs = entry.literals.map { clause in
                    clause.map { literal in
                        if let id = ids[literal] { return id }
                        let id = Int32(literals.count)
                        ids[literal] = id
                        literals.append(Array(literal.utf8))
                        return id
                    }
                }
                return UAPRule(
                    pattern: entry.regex, caseInsensitive: entry.caseInsensitive ?? false,
                    replacements: entry.replacements ?? [], literals: literalIDs)
            })
        }
        version = file.uapCore
        userAgentRules = rules(file.userAgent)
        osRules = rules(file.os)
        deviceRules = rules(file.device)
        scanner = LiteralScanner(literals: literals)
    }

    /// The three results for `text`, which the caller has already cut to length and cleaned; `lowered`
    /// is its UTF-8 with ASCII lower-cased (`UserAgentText.lowered`). `prefilter: false` runs every regex
    /// in turn, as a reference for the tests.
    func parse(_ text: String, lowered: [UInt8]? = nil, prefilter: Bool = true) -> UAPResult {
        let lowered = lowered ?? UserAgentText.lowered(text)
        let found = prefilter ? scanner.scan(lowered) : nil
        var isASCII = true
        for byte in lowered where byte >= 0x80 {
            isASCII = false
            break
        }
        let utf16Count = text.utf16.count

        func first(_ list: UAPRuleList) -> (UAPRule, [Substring?])? {
            list.firstMatch(text, utf16Count: utf16Count, found: found, isASCII: isASCII)
        }

        var result = UAPResult()
        if let (rule, captures) = first(userAgentRules) {
            result.browser = UAPResult.Versioned(
                family: rule.field(0, group: 1, captures: captures) ?? UAPResult.other,
                major: rule.field(1, group: 2, captures: captures), minor: rule.field(2, group: 3, captures: captures),
                patch: rule.field(3, group: 4, captures: captures), patchMinor: rule.field(4, group: 5, captures: captures))
        }
        if let (rule, captures) = first(osRules) {
            result.os = UAPResult.Versioned(
                family: rule.field(0, group: 1, captures: captures) ?? UAPResult.other,
                major: rule.field(1, group: 2, captures: captures), minor: rule.field(2, group: 3, captures: captures),
                patch: rule.field(3, group: 4, captures: captures), patchMinor: rule.field(4, group: 5, captures: captures))
        }
        if let (rule, captures) = first(deviceRules) {
            // No model replacement: the model is the first group, like the family.
            result.device = UAPResult.Hardware(
                family: rule.field(0, group: 1, captures: captures) ?? UAPResult.other,
                brand: rule.field(1, group: nil, captures: captures), model: rule.field(2, group: 1, captures: captures))
        }
        return result
    }
}
