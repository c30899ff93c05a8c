import COpenSSL

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
