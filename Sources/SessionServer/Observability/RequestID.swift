/// A request's id, echoed in `X-Request-Id` and logged with each line of the request: a client's
/// (a proxy's) own when it matches `[A-Za-z0-9._-]{1,64}`, else 16 random hex digits, so that a
/// value can neither forge a log field nor grow a line without bound.
enum RequestID {
    static let maximumLength = 64

    /// `text` when it follows the grammar, `nil` otherwise.
    static func accepted(_ text: String?) -> String? {
        guard let text, !text.isEmpty, text.utf8.count <= maximumLength else { return nil }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                continue
            default:
                return nil
            }
        }
        return text
    }

    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// 64 random bits as 16 hex digits: unique enough to find a request's lines, not a secret.
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        return String(unsafeUninitializedCapacity: 16) { buffer in
            for index in 0..<16 { buffer[index] = digits[Int((value >> UInt64(60 - 4 * index)) & 0xF)] }
            return 16
        }
    }
}
