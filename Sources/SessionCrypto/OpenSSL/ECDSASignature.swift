/// Converts ECDSA P-256 signatures between OpenSSL's DER `SEQUENCE { r, s }` and JWS's fixed
/// 64-byte `r‖s` (RFC 7518 §3.4). Hand-written because both directions sit on the hot path and
/// the encoding is tiny; no BIGNUM allocation is needed.
enum ECDSASignature {
    static let rawLength = 64
    /// The longest DER encoding of a P-256 signature: 2 + 2 × (2 + 33).
    static let maximumDERLength = 72

    /// DER to raw. Returns `false` if the DER is not a well-formed pair of ≤ 32-byte integers.
    static func rawFromDER(_ der: UnsafeBufferPointer<UInt8>, into raw: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        guard der.count >= 8, der[0] == 0x30, Int(der[1]) == der.count - 2, raw.count == rawLength else { return false }
        var index = 2
        for half in 0..<2 {
            guard index + 2 <= der.count, der[index] == 0x02 else { return false }
            var length = Int(der[index + 1])
            index += 2
            guard length > 0, index + length <= der.count else { return false }
            while length > 32, der[index] == 0 {
                index += 1
                length -= 1
            }
            guard length <= 32 else { return false }
            let offset = half * 32 + (32 - length)
            for position in half * 32..<offset { raw[position] = 0 }
            for position in 0..<length { raw[offset + position] = der[index + position] }
            index += length
        }
        return index == der.count
    }

    /// Raw to DER. Returns the DER length, or `nil` when the input is not 64 bytes or r or s is zero
    /// (a zero scalar is never a valid signature; refusing it here keeps it away from OpenSSL).
    static func derFromRaw(_ raw: UnsafeRawBufferPointer, into der: UnsafeMutableBufferPointer<UInt8>) -> Int? {
        guard raw.count == rawLength, der.count >= maximumDERLength else { return nil }
        var index = 2
        for half in 0..<2 {
            var start = half * 32
            let end = start + 32
            while start < end, raw[start] == 0 { start += 1 }
            guard start < end else { return nil }
            let needsPad = raw[start] & 0x80 != 0
            der[index] = 0x02
            der[index + 1] = UInt8(end - start + (needsPad ? 1 : 0))
            index += 2
            if needsPad {
                der[index] = 0
                index += 1
            }
            for position in start..<end {
                der[index] = raw[position]
                index += 1
            }
        }
        der[0] = 0x30
        der[1] = UInt8(index - 2)
        return index
    }
}
