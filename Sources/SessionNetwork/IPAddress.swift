/// An IPv4 or IPv6 address, parsed strictly from its text form and kept as 128 bits: an IPv4
/// address as its IPv4-mapped IPv6 form (`::ffff:a.b.c.d`), so that both families share one
/// ordering, one index and one range check.
///
/// Accepted text: dotted-quad IPv4 with no leading zeros (`010.0.0.1` is refused: some parsers
/// read it as octal), and RFC 4291 IPv6 (hex groups, one `::`, an embedded dotted quad at the end).
/// Refused: zone ids (`%eth0`), brackets, ports, spaces and anything else. `description` is the
/// canonical form: dotted quad for IPv4 (mapped ones included), RFC 5952 for IPv6.
public struct IPAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The 128 bits, most significant first.
    public let value: UInt128

    static let mappedPrefix: UInt128 = 0xFFFF << 32

    public init(value: UInt128) {
        self.value = value
    }

    /// The IPv4 address `a.b.c.d` (as its mapped IPv6 form).
    public init(ipv4 bits: UInt32) {
        value = Self.mappedPrefix | UInt128(bits)
    }

    public var isIPv4: Bool { value >> 32 == Self.mappedPrefix >> 32 }

    /// The 16 bytes, network order: what a database index compares.
    public var bytes: [UInt8] {
        (0..<16).map { UInt8(truncatingIfNeeded: value >> (8 * (15 - $0))) }
    }

    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        value = bytes.reduce(0) { $0 << 8 | UInt128($1) }
    }

    public init?(_ text: some StringProtocol) {
        let utf8 = Array(text.utf8)
        guard !utf8.isEmpty, utf8.count <= 45 else { return nil }
        if let bits = Self.parseIPv4(utf8[...]) {
            self.init(ipv4: bits)
        } else if let value = Self.parseIPv6(utf8) {
            self.init(value: value)
        } else {
            return nil
        }
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool { lhs.value < rhs.value }

    public var description: String {
        if isIPv4 { return Self.dottedQuad(UInt32(truncatingIfNeeded: value)) }
        let groups = (0..<8).map { UInt16(truncatingIfNeeded: value >> (16 * (7 - $0))) }
        // RFC 5952: the longest run of two or more zero groups (the first of equals) becomes "::".
        var best: Range<Int>?
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else { index += 1; continue }
            var end = index
            while end < 8, groups[end] == 0 { end += 1 }
            if end - index >= 2, end - index > (best?.count ?? 0) { best = index..<end }
            index = end
        }
        func hex(_ slice: ArraySlice<UInt16>) -> String { slice.map { String($0, radix: 16) }.joined(separator: ":") }
        guard let best else { return hex(groups[...]) }
        return hex(groups[..<best.lowerBound]) + "::" + hex(groups[best.upperBound...])
    }

    static func dottedQuad(_ bits: UInt32) -> String {
        (0..<4).map { String(UInt8(truncatingIfNeeded: bits >> (8 * (3 - $0)))) }.joined(separator: ".")
    }

    /// Four decimal octets 0…255 without leading zeros, separated by dots.
    static func parseIPv4(_ text: ArraySlice<UInt8>) -> UInt32? {
        var result: UInt32 = 0
        var octets = 0
        var current: UInt32 = 0
        var digits = 0
        var first: UInt8 = 0
        for byte in text {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if digits == 0 { first = byte }
                // A leading zero is allowed only for the octet "0" itself.
                guard digits < 3, !(digits == 1 && first == UInt8(ascii: "0")) else { return nil }
                current = current * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
            case UInt8(ascii: "."):
                guard digits > 0, current <= 255, octets < 3 else { return nil }
                result = result << 8 | current
                octets += 1
                current = 0
                digits = 0
            default:
                return nil
            }
        }
        guard digits > 0, current <= 255, octets == 3 else { return nil }
        return result << 8 | current
    }

    static func parseIPv6(_ text: [UInt8]) -> UInt128? {
        guard text.contains(UInt8(ascii: ":")) else { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawGap = false
        var index = 0
        let count = text.count
        if text.starts(with: [UInt8(ascii: ":"), UInt8(ascii: ":")]) {
            sawGap = true
            index = 2
        } else if text.first == UInt8(ascii: ":") {
            return nil
        }
        while index < count {
            // A group, or an embedded IPv4 address in the last 32 bits.
            var end = index
            while end < count, text[end] != UInt8(ascii: ":") { end += 1 }
            let piece = text[index..<end]
            if piece.contains(UInt8(ascii: ".")) {
                guard end == count, let bits = parseIPv4(piece) else { return nil }
                let pair = [UInt16(truncatingIfNeeded: bits >> 16), UInt16(truncatingIfNeeded: bits)]
                if sawGap { tail += pair } else { head += pair }
                index = end
                break
            }
            guard (1...4).contains(piece.count) else { return nil }
            var group: UInt16 = 0
            for byte in piece {
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                group = group << 4 | UInt16(digit)
            }
            if sawGap { tail.append(group) } else { head.append(group) }
            guard head.count + tail.count <= 8 else { return nil }
            if end == count { index = end; break }
            // A separator: ":" then another group, or "::" once.
            if end + 1 < count, text[end + 1] == UInt8(ascii: ":") {
                guard !sawGap else { return nil }
                sawGap = true
                index = end + 2
                if index == count { break }
            } else {
                index = end + 1
                guard index < count else { return nil }
            }
        }
        let groups = head.count + tail.count
        guard sawGap ? groups <= 7 : groups == 8 else { return nil }
        let all = head + [UInt16](repeating: 0, count: 8 - groups) + tail
        return all.reduce(UInt128(0)) { $0 << 16 | UInt128($1) }
    }
}
