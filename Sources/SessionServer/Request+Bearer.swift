import Hummingbird

extension Request {
    /// The credential of `Authorization: Bearer <credential>` (scheme in any casing, exactly one
    /// space-free credential), or `nil`: what every key-authenticated surface accepts.
    var bearerCredential: String? {
        guard let header = headers.single(.authorization) else { return nil }
        return Self.bearerCredential(in: header)
    }

    /// Byte by byte: every key-authenticated request passes here, and splitting and lowercasing
    /// the header cost several allocations for a seven-byte comparison.
    static func bearerCredential(in header: String) -> String? {
        let bytes = header.utf8
        let scheme = "bearer".utf8
        guard bytes.count > scheme.count + 1 else { return nil }
        var index = bytes.startIndex
        for expected in scheme {
            let byte = bytes[index]
            guard byte | 0x20 == expected else { return nil }
            index = bytes.index(after: index)
        }
        guard bytes[index] == UInt8(ascii: " ") else { return nil }
        index = bytes.index(after: index)
        guard !bytes[index...].contains(UInt8(ascii: " ")) else { return nil }
        return String(header[index...])
    }
}
