/// A block of addresses in CIDR notation (`203.0.113.0/24`, `2001:db8::/32`), or one address
/// (`/32` or `/128` implied). IPv4 blocks are kept in the IPv4-mapped range, so `10.0.0.0/8`
/// matches IPv4 addresses only.
///
/// Strict: the prefix length is decimal without leading zeros, at most 32 (IPv4) or 128 (IPv6), and
/// the address must be the block's first (`10.0.0.1/8` is refused: it usually hides a typo).
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    public let first: IPAddress
    public let last: IPAddress
    /// The prefix length as written (0…32 when written as IPv4).
    public let prefixLength: Int

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        // The family as written: `::ffff:0:0/96` is an IPv6 block, even though it holds IPv4 addresses.
        let maximum = parts[0].contains(":") ? 128 : 32
        var length = maximum
        if parts.count == 2 {
            let digits = parts[1].utf8
            guard (1...3).contains(digits.count), digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                digits.count == 1 || digits.first != UInt8(ascii: "0"), let parsed = Int(parts[1]), parsed <= maximum
            else { return nil }
            length = parsed
        }
        // Host bits within the 128: an IPv4 length counts from bit 96.
        let hostBits = maximum - length
        let mask: UInt128 = hostBits == 128 ? .max : (UInt128(1) << hostBits) &- 1
        guard address.value & mask == 0 else { return nil }
        first = address
        last = IPAddress(value: address.value | mask)
        prefixLength = length
    }

    public func contains(_ address: IPAddress) -> Bool { first <= address && address <= last }

    public var description: String { "\(first)/\(prefixLength)" }
}
