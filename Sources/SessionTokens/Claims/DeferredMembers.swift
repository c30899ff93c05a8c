import Synchronization

/// Claims outside the registered set, as JSON that has already been fully validated, decoded on
/// first read and then kept.
///
/// Verifying a token must check every byte of its payload, but most callers read a template
/// claim or two, or none: decoding them all into values up front was most of the cost of
/// verifying an HS256 token.
final class DeferredMembers: Sendable {
    struct Entry: Sendable {
        let name: JSONParser.ScannedString
        let value: Range<Int>
    }

    let bytes: [UInt8]
    let entries: [Entry]
    private let decoded = Mutex<JSONObject?>(nil)

    init(bytes: [UInt8], entries: [Entry]) {
        self.bytes = bytes
        self.entries = entries
    }

    var object: JSONObject {
        if let cached = decoded.withLock({ $0 }) { return cached }
        let object = materialize()
        decoded.withLock { $0 = object }
        return object
    }

    /// Cannot fail: the same bytes passed the same grammar when the claims were parsed.
    private func materialize() -> JSONObject {
        bytes.withUnsafeBufferPointer { buffer in
            var members: [JSONObject.Member] = []
            members.reserveCapacity(entries.count)
            for entry in entries {
                var parser = JSONParser(bytes: buffer)
                parser.index = entry.value.lowerBound
                let name = (try? parser.text(of: entry.name)) ?? ""
                let value = (try? parser.parseValue()) ?? .null
                members.append(JSONObject.Member(key: name, value: value))
            }
            return JSONObject(uniqueMembers: members)
        }
    }
}
