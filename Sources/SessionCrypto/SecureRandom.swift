import COpenSSL
import Synchronization

/// The CSPRNG (OpenSSL's `RAND_bytes`), for token ids, record ids and secrets.
///
/// A protocol so that callers can pass a fixed source in tests (STYLE.md: randomness is a parameter).
public protocol RandomSource: Sendable {
    func bytes(_ count: Int) throws(CryptoError) -> [UInt8]
}

public struct SecureRandom: RandomSource {
    public init() {}

    public func bytes(_ count: Int) throws(CryptoError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: count)
        guard count == 0 || RAND_bytes(&output, Int32(count)) == 1 else {
            throw OpenSSLErrors.error(.randomFailed, "RAND_bytes failed")
        }
        return output
    }
}

extension RandomSource {
    private static var hex: [UInt8] { Array("0123456789abcdef".utf8) }

    /// `count` random bytes as lowercase hex.
    public func hex(_ count: Int) throws(CryptoError) -> String {
        let digits = Self.hex
        var text: [UInt8] = []
        text.reserveCapacity(count * 2)
        for byte in try bytes(count) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// A `jti`: 20 hex characters, like Clerk's (80 random bits: unique for the life of any token).
    public func tokenID() throws(CryptoError) -> String { try hex(10) }
}

extension SecureRandom {
    /// A `jti` from a buffered draw of the CSPRNG.
    ///
    /// `RAND_bytes` costs about a microsecond per call (per-thread DRBG lookup and locking), as much
    /// as the rest of minting an HS256 token, so ids are cut from 4 KiB draws instead. The bytes
    /// are the same CSPRNG output; only the call is amortised. (A process that forks must not mint
    /// from both sides with one buffer; Tessera's processes do not fork.)
    public func tokenID() throws(CryptoError) -> String {
        let bytes = try RandomPool.shared.take(10)
        return String(unsafeUninitializedCapacity: 20) { buffer in
            let digits: StaticString = "0123456789abcdef"
            for (index, byte) in bytes.enumerated() {
                buffer[index * 2] = digits.utf8Start[Int(byte >> 4)]
                buffer[index * 2 + 1] = digits.utf8Start[Int(byte & 0x0F)]
            }
            return 20
        }
    }
}

/// CSPRNG bytes drawn 4 KiB at a time and handed out under a lock; each byte is handed out once.
final class RandomPool: Sendable {
    static let shared = RandomPool()
    private static let drawSize = 4096
    private let state = Mutex<(bytes: [UInt8], offset: Int)>(([], 0))

    func take(_ count: Int) throws(CryptoError) -> [UInt8] {
        precondition(count <= Self.drawSize)
        let taken: [UInt8]? = state.withLock { state in
            if state.bytes.count - state.offset < count {
                var fresh = [UInt8](repeating: 0, count: Self.drawSize)
                guard RAND_bytes(&fresh, Int32(Self.drawSize)) == 1 else { return nil }
                state = (fresh, 0)
            }
            let slice = Array(state.bytes[state.offset..<state.offset + count])
            // Wipe what was handed out so no later reader of the buffer can see it again.
            for index in state.offset..<state.offset + count { state.bytes[index] = 0 }
            state.offset += count
            return slice
        }
        guard let taken else { throw OpenSSLErrors.error(.randomFailed, "RAND_bytes failed") }
        return taken
    }
}
