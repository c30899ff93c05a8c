extension ClientAddressResolver {
    /// The longest hop text that can hold an address: `[` 45 `]:` 5.
    static let maximumHopBytes = 53

    /// Walks one `X-Forwarded-For` line from its right end, moving `current` (a trusted address) to each hop in
    /// turn. `false` once the walk must stop: `current` is then the answer (an untrusted hop, or the last trusted
    /// address before a hop that does not parse); `true` when every hop of the line was a trusted proxy.
    func walk(_ line: String, from current: inout IPAddress) -> Bool {
        var line = line
        return line.withUTF8 { bytes in
            var end = bytes.count
            while end > 0 {
                var start = end
                while start > 0, bytes[start - 1] != UInt8(ascii: ",") { start -= 1 }
                let element = Self.trimmed(bytes[start..<end])
                if !element.isEmpty {
                    guard let hop = Self.hopAddress(element) else { return false }
                    current = hop
                    guard isTrustedProxy(hop) else { return false }
                }
                end = start - 1
            }
            return true
        }
    }

    /// `bytes` without the optional whitespace (spaces and tabs) around a list element.
    static func trimmed(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Slice<UnsafeBufferPointer<UInt8>> {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t") { start += 1 }
        while end > start, bytes[end - 1] == UInt8(ascii: " ") || bytes[end - 1] == UInt8(ascii: "\t") { end -= 1 }
        return bytes[start..<end]
    }

    /// The address of one hop: an IPv4 or IPv6 address as `IPAddress` parses it, `[IPv6]`, `[IPv6]:port` or
    /// `IPv4:port` (some load balancers append the client's port); `nil` for anything else (`unknown`, RFC 7239
    /// obfuscated names, zone ids, host names).
    static func hopAddress(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> IPAddress? {
        guard (1...maximumHopBytes).contains(bytes.count) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let inner = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard inner.contains(":"), rest.isEmpty || (rest.first == ":" && isPort(rest.dropFirst())) else { return nil }
            return IPAddress(inner)
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 2 {
            guard isPort(parts[1]) else { return nil }
            return IPAddress(parts[0])
        }
        return IPAddress(text)
    }

    /// 1…65535 in decimal, without leading zeros.
    static func isPort(_ text: Substring) -> Bool {
        let digits = text.utf8
        guard (1...5).contains(digits.count), digits.first != UInt8(ascii: "0"),
            digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }), let port = Int(text)
        else { return false }
        return port <= 65535
    }
}
