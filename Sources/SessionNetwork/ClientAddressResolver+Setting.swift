extension ClientAddressResolver {
    /// Parses the trusted-proxy setting: the values of `--trusted-proxy CIDR` (repeatable) or the value of
    /// `TESSERA_TRUSTED_PROXIES` (comma-separated); any value may itself be a comma-separated list. Spaces around
    /// an entry are ignored and a value that is empty or all spaces adds nothing (an empty variable trusts no
    /// proxy), but an empty entry between commas is an error, as is anything `IPNetwork` refuses.
    ///
    /// A block holding every IPv4 address (`0.0.0.0/0`, `::/0`, `::ffff:0:0/96`, …) is refused too: trusting
    /// every peer lets any client name its own address in `X-Forwarded-For`.
    public static func trustedProxies(parsing values: [String]) throws(NetworkError) -> [IPNetwork] {
        var networks: [IPNetwork] = []
        for value in values where value.contains(where: { $0 != " " && $0 != "\t" }) {
            for entry in value.split(separator: ",", omittingEmptySubsequences: false) {
                networks.append(try trustedProxy(parsing: entry.trimmingSpaces))
            }
        }
        return networks
    }

    /// One entry of the setting, with a reason naming what is wrong with it.
    static func trustedProxy(parsing entry: Substring) throws(NetworkError) -> IPNetwork {
        func refuse(_ why: String) -> NetworkError {
            NetworkError(.invalidTrustedProxy, "trusted proxy \"\(entry)\": \(why)")
        }
        guard !entry.isEmpty else { throw refuse("empty entry (two commas in a row, or one at an end)") }
        guard let network = IPNetwork(entry) else {
            let parts = entry.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard let address = IPAddress(parts[0]) else {
                throw refuse("not an IPv4 or IPv6 address or CIDR block (brackets, ports, zone ids and host names are refused)")
            }
            let maximum = parts[0].contains(":") ? 128 : 32
            guard parts.count == 2, let length = Int(parts[1]), (0...maximum).contains(length),
                parts[1].utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                parts[1].count == 1 || !parts[1].hasPrefix("0")
            else {
                throw refuse("the prefix length must be 0...\(maximum) in decimal, without leading zeros")
            }
            let hostBits = maximum - length
            let mask: UInt128 = hostBits == 128 ? .max : (UInt128(1) << hostBits) &- 1
            throw refuse("host bits are set past the /\(length) prefix; did you mean \(IPAddress(value: address.value & ~mask))/\(length)?")
        }
        if network.contains(IPAddress(ipv4: 0)) && network.contains(IPAddress(ipv4: .max)) {
            throw refuse("holds every IPv4 address; trusting every peer would let any client choose its own address")
        }
        return network
    }
}
