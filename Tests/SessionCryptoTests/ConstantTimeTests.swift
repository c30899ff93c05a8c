import SessionCrypto
import Testing

@Suite struct ConstantTimeTests {
    /// Secret-key hashes are compared with this: a difference anywhere, the last byte included,
    /// must count, and so must a difference in length.
    @Test func everyByteAndTheLengthCount() {
        let hash = (0..<32).map { UInt8($0) }
        #expect(ConstantTime.equals(hash, hash))
        #expect(ConstantTime.equals([], []))
        for position in [0, 1, 15, 30, 31] {
            var other = hash
            other[position] ^= 0x80
            #expect(!ConstantTime.equals(hash, other), "a difference at byte \(position)")
        }
        #expect(!ConstantTime.equals(hash, Array(hash.dropLast())))
        #expect(!ConstantTime.equals(Array(hash.dropLast()), hash))
        #expect(!ConstantTime.equals(hash, []))
    }
}
