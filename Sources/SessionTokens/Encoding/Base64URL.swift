/// Strict base64url without padding (RFC 7515 §2, RFC 4648 §5).
///
/// Decoding refuses padding, characters outside the URL-safe alphabet, a length of 1 mod 4, and
/// non-canonical encodings whose unused trailing bits are not zero: two different strings must never
/// decode to the same bytes, or a token could be altered without touching its signature.
public enum Base64URL {
    @usableFromInline
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// 0xFF marks a byte outside the alphabet.
    @usableFromInline
    static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, symbol) in alphabet.enumerated() { table[Int(symbol)] = UInt8(index) }
        return table
    }()

    /// The number of characters `count` bytes encode to.
    @inlinable
    public static func encodedLength(_ count: Int) -> Int {
        (count / 3) * 4 + [0, 2, 3][count % 3]
    }

    /// Appends the encoding of `bytes` to `output` as ASCII bytes.
    @inlinable
    public static func encode(_ bytes: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        let count = bytes.count
        let start = output.count
        let length = encodedLength(count)
        output.reserveCapacity(start + length)
        alphabet.withUnsafeBufferPointer { table in
            var index = 0
            while index + 3 <= count {
                let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
                output.append(table[Int(chunk >> 18 & 0x3F)])
                output.append(table[Int(chunk >> 12 & 0x3F)])
                output.append(table[Int(chunk >> 6 & 0x3F)])
                output.append(table[Int(chunk & 0x3F)])
                index += 3
            }
            switch count - index {
            case 1:
                let chunk = UInt32(bytes[index]) << 16
                output.append(table[Int(chunk >> 18 & 0x3F)])
                output.append(table[Int(chunk >> 12 & 0x3F)])
            case 2:
                let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
                output.append(table[Int(chunk >> 18 & 0x3F)])
                output.append(table[Int(chunk >> 12 & 0x3F)])
                output.append(table[Int(chunk >> 6 & 0x3F)])
            default:
                break
            }
        }
    }

    /// Appends the encoding of `bytes` to `output` as ASCII bytes.
    @inlinable
    public static func encode(_ bytes: [UInt8], into output: inout [UInt8]) {
        bytes.withUnsafeBytes { encode($0, into: &output) }
    }

    /// The encoding of `bytes` as a string.
    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        encode(bytes, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// The encoding of a string's UTF-8 bytes.
    public static func encode(_ text: String) -> String {
        encode(Array(text.utf8))
    }

    /// Decodes strictly; `nil` for anything that is not the one canonical encoding of some bytes.
    @inlinable
    public static func decode(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let count = text.count
        let remainder = count % 4
        if remainder == 1 { return nil }
        var output = [UInt8]()
        output.reserveCapacity(count / 4 * 3 + 2)
        return reverse.withUnsafeBufferPointer { table -> [UInt8]? in
            var index = 0
            while index + 4 <= count {
                let a = table[Int(text[index])], b = table[Int(text[index + 1])]
                let c = table[Int(text[index + 2])], d = table[Int(text[index + 3])]
                if (a | b | c | d) & 0xC0 != 0 { return nil }
                let chunk = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                output.append(UInt8(truncatingIfNeeded: chunk >> 16))
                output.append(UInt8(truncatingIfNeeded: chunk >> 8))
                output.append(UInt8(truncatingIfNeeded: chunk))
                index += 4
            }
            if remainder == 2 {
                let a = table[Int(text[index])], b = table[Int(text[index + 1])]
                if (a | b) & 0xC0 != 0 || b & 0x0F != 0 { return nil }
                output.append(a << 2 | b >> 4)
            } else if remainder == 3 {
                let a = table[Int(text[index])], b = table[Int(text[index + 1])], c = table[Int(text[index + 2])]
                if (a | b | c) & 0xC0 != 0 || c & 0x03 != 0 { return nil }
                output.append(a << 2 | b >> 4)
                output.append(b << 4 | c >> 2)
            }
            return output
        }
    }

    /// Decodes a string strictly; `nil` when it is not canonical base64url.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var copy = String(text)
        return copy.withUTF8 { decode($0) }
    }
}
