/// The grammar of Tessera's identifiers, which every surface checks once, at its edge.
///
/// Every id the service makes is a prefix, `_`, and 32 lowercase hex digits (128 random bits,
/// `SessionManager.newID`). Anything else cannot name a record: an edge answers "not found" for a
/// plausible string of the wrong shape, and "invalid" for one that no id could ever be (control
/// characters, other bytes, over-long), so that nothing of the kind reaches a use case or the store.
public enum ResourceID {
    public enum Kind: String, Sendable, CaseIterable {
        case session = "sess"
        case user = "user"
        case client = "client"
        case template = "jtmp"
        case secretKey = "key"
        case instance = "ins"
        case consent = "cnst"
        case auditEvent = "aud"

        /// Words for error messages: "session id", "user id".
        public var noun: String {
            switch self {
            case .session: "session"
            case .user: "user"
            case .client: "client"
            case .template: "JWT template"
            case .secretKey: "secret key"
            case .instance: "instance"
            case .consent: "consent"
            case .auditEvent: "audit event"
            }
        }
    }

    /// What an edge makes of a candidate id.
    public enum Verdict: Sendable, Equatable {
        case valid
        /// Well-formed text, but not an id of this kind: no such record.
        case unknown
        /// Not something any id could be.
        case malformed
    }

    /// The longest text an edge considers before calling it malformed.
    public static let maximumLength = 64

    public static func check(_ text: String, _ kind: Kind) -> Verdict {
        // Over the contiguous bytes: every id in every path and body passes here.
        var text = text
        return text.withUTF8 { bytes in
            guard !bytes.isEmpty, bytes.count <= maximumLength, bytes.allSatisfy(isIDByte) else { return .malformed }
            let prefix = kind.rawValue.utf8
            guard bytes.count == prefix.count + 33, bytes.starts(with: prefix), bytes[prefix.count] == UInt8(ascii: "_"),
                bytes[(prefix.count + 1)...].allSatisfy(isLowerHex)
            else { return .unknown }
            return .valid
        }
    }

    @inline(__always)
    static func isIDByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default: false
        }
    }

    @inline(__always)
    static func isLowerHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}
