/// The parser's caps, applied to a value before it is written for someone to parse: a template
/// token that the parser would refuse must not be minted, since every verifier (ours first) would
/// call it malformed.
extension JSONParser {
    /// Why the parser would refuse `value` written as JSON at nesting `depth` (0 for a whole
    /// document; 1 for a member of the top-level object), or `nil` when it would accept it.
    public static func limitViolation(of value: JSONValue, depth: Int = 0) -> String? {
        switch value {
        case .array(let items):
            guard depth < maximumDepth else { return "nests deeper than \(maximumDepth)" }
            guard items.count <= maximumElements else { return "has an array of more than \(maximumElements) elements" }
            for item in items { if let violation = limitViolation(of: item, depth: depth + 1) { return violation } }
        case .object(let object):
            guard depth < maximumDepth else { return "nests deeper than \(maximumDepth)" }
            guard object.count <= maximumMembers else { return "has an object of more than \(maximumMembers) members" }
            for member in object.members {
                if let violation = limitViolation(of: member.value, depth: depth + 1) { return violation }
            }
        default: break
        }
        return nil
    }
}
