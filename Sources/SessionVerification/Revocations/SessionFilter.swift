/// A one-hash bit filter over 128-bit session keys: "certainly not revoked" for most keys that
/// are not in the set, "maybe" for the rest (which the table then answers).
///
/// The keys are 128 CSPRNG bits, so their low bits are already uniform: no hashing is needed.
/// Sized at 16 bits an entry (a power of two, at least 4096 bits), about 6 % of bits are set,
/// so about 94 % of misses stop here; a million entries take 2 MiB.
struct SessionFilter: Sendable {
    private let words: [UInt64]
    private let mask: UInt64

    init(_ keys: some Collection<UInt128>) {
        var bits = 4096
        while bits < keys.count * 16 { bits *= 2 }
        var words = [UInt64](repeating: 0, count: bits / 64)
        let mask = UInt64(bits - 1)
        for key in keys {
            let bit = UInt64(truncatingIfNeeded: key) & mask
            words[Int(bit >> 6)] |= 1 << (bit & 63)
        }
        self.words = words
        self.mask = mask
    }

    @inline(__always)
    func mightContain(_ key: UInt128) -> Bool {
        let bit = UInt64(truncatingIfNeeded: key) & mask
        return words.withUnsafeBufferPointer { $0[Int(bit >> 6)] } & (1 << (bit & 63)) != 0
    }
}
