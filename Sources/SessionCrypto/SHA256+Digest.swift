extension SHA256 {
    /// A SHA-256 value held in four words instead of an array: a key for in-memory tables that
    /// costs no allocation and compares in four steps (the gateway keys its token cache by the
    /// token's digest, so it keeps no token text and no two tokens can share an entry).
    public struct Digest: Hashable, Sendable {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        public static func == (lhs: Digest, rhs: Digest) -> Bool {
            lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2 && lhs.words.3 == rhs.words.3
        }

        /// One word is enough: the bits are uniform, and `Hasher` is seeded per process.
        public func hash(into hasher: inout Hasher) {
            hasher.combine(words.0)
        }
    }

    /// The digest of `data`, without allocating.
    public static func digest(_ data: UnsafeRawBufferPointer) -> Digest {
        var digest = Digest()
        let ok = withUnsafeMutableBytes(of: &digest.words) { output in
            hash(data, into: output.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        precondition(ok, "SHA-256 failed: \(OpenSSLErrors.drain())")
        return digest
    }

    /// The digest of a string's UTF-8 bytes, exactly as they are (no Unicode normalisation: two
    /// canonically equivalent but byte-different strings have different digests).
    public static func digest(utf8 text: String) -> Digest {
        var text = text
        return text.withUTF8 { digest(UnsafeRawBufferPointer($0)) }
    }
}
