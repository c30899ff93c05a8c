#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import SessionCrypto
import SessionTokens

/// Known header segments, searched without touching a reference count: the bytes of all of them
/// in one array, their spans in a plain array, and the parsed header and key read only on a match.
/// (A loop over an array of tuples of arrays, strings and keys retained and released every
/// element it passed: 5–8 % of an HS256 verify when its key came fourth.)
struct KnownHeaders: Sendable {
    private let bytes: [UInt8]
    private let spans: [(start: Int, count: Int)]
    private let entries: [(header: JOSEHeader, key: VerificationKey)]

    init(_ keys: [VerificationKey]) {
        var bytes: [UInt8] = []
        var spans: [(start: Int, count: Int)] = []
        var entries: [(header: JOSEHeader, key: VerificationKey)] = []
        for key in keys {
            let header = JOSEHeader(algorithm: key.algorithm, keyID: key.keyID)
            let start = bytes.count
            Base64URL.encode(header.serialized(), into: &bytes)
            spans.append((start, bytes.count - start))
            entries.append((header, key))
        }
        self.bytes = bytes
        self.spans = spans
        self.entries = entries
    }

    @inline(__always)
    func match(_ segment: UnsafeBufferPointer<UInt8>) -> (JOSEHeader, VerificationKey)? {
        guard let segmentStart = segment.baseAddress else { return nil }
        let found: Int? = bytes.withUnsafeBufferPointer { all in
            spans.withUnsafeBufferPointer { spans in
                for position in spans.indices where spans[position].count == segment.count {
                    if memcmp(all.baseAddress! + spans[position].start, segmentStart, segment.count) == 0 { return position }
                }
                return nil
            }
        }
        guard let found else { return nil }
        return entries[found]
    }
}
