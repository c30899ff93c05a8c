/// Strict base64url without padding (RFC 7515 §2, RFC 4648 §5).
///
/// Decoding refuses padding, characters outside the URL-safe alphabet, a length of 1 mod 4, and
/// non-canonical encodings whose unused trailing bits are not zero: two different strings must never
/// decode to the same bytes, or a token could be altered without touching its signature.
/// The pointer-based forms are the hot path of minting and verifying; the array forms wrap them.
public enum Base64URL {
    @usableFromInline
    static let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

    /// 0xFF marks a byte outside the alphabet.
    @usableFromInline
    static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        let symbols = UnsafeBufferPointer(start: alphabet.utf8Start, count: alphabet.utf8CodeUnitCount)
        for (index, symbol) in symbols.enumerated() { table[Int(symbol)] = UInt8(index) }
        return table
    }()

    /// Every 12-bit value as its two symbols, so encoding does one lookup per two output bytes.
    @usableFromInline
    static let pairTable: [UInt16] = {
        let symbols = UnsafeBufferPointer(start: alphabet.utf8Start, count: alphabet.utf8CodeUnitCount)
        return (0..<4096).map { UInt16(symbols[$0 >> 6]) | UInt16(symbols[$0 & 0x3F]) << 8 }
    }()

    /// Four decoding tables, one per position in a quad, holding each symbol's six bits already
    /// shifted into place; an invalid symbol sets the top byte, so one OR-ed word carries both the
    /// three decoded bytes and the validity of all four characters.
    @usableFromInline
    static let quadTables: [UInt32] = {
        var tables = [UInt32](repeating: 0xFF00_0000, count: 4 * 256)
        for (symbol, value) in reverse.enumerated() where value != 0xFF {
            for position in 0..<4 { tables[position * 256 + symbol] = UInt32(value) << (18 - 6 * UInt32(position)) }
        }
        return tables
    }()

    /// The number of characters `count` bytes encode to.
    @inlinable
    public static func encodedLength(_ count: Int) -> Int {
        (count / 3) * 4 + (count % 3 == 0 ? 0 : count % 3 + 1)
    }

    /// An upper bound on the bytes `count` characters decode to, plus one byte of slack for the
    /// decoder's 4-byte stores.
    @inlinable
    public static func decodedCapacity(_ count: Int) -> Int { count / 4 * 3 + 3 }

    /// Writes the encoding of `bytes` at `output` (which must hold `encodedLength(bytes.count)`);
    /// returns the number of characters written.
    @inlinable
    @discardableResult
    public static func encode(_ bytes: UnsafeRawBufferPointer, to output: UnsafeMutablePointer<UInt8>) -> Int {
        let table = alphabet.utf8Start
        let count = bytes.count
        var index = 0
        var out = 0
        pairTable.withUnsafeBufferPointer { pairs in
            let target = UnsafeMutableRawPointer(output)
            if let start = bytes.baseAddress {
                // One 8-byte load per six input bytes (the last two are read but unused) and one
                // 8-byte store per eight symbols; then the same with 4 bytes for three.
                while index + 8 <= count {
                    let word = UInt64(bigEndian: start.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                    let high = Int(truncatingIfNeeded: word >> 40)
                    let low = Int(truncatingIfNeeded: word >> 16) & 0xFF_FFFF
                    let symbols = UInt64(pairs[high >> 12]) | UInt64(pairs[high & 0xFFF]) << 16
                        | UInt64(pairs[low >> 12]) << 32 | UInt64(pairs[low & 0xFFF]) << 48
                    target.storeBytes(of: UInt64(littleEndian: symbols), toByteOffset: out, as: UInt64.self)
                    index += 6
                    out += 8
                }
                while index + 4 <= count {
                    let word = UInt32(bigEndian: start.loadUnaligned(fromByteOffset: index, as: UInt32.self))
                    let chunk = Int(word >> 8)
                    target.storeBytes(of: UInt32(pairs[chunk >> 12]) | UInt32(pairs[chunk & 0xFFF]) << 16, toByteOffset: out, as: UInt32.self)
                    index += 3
                    out += 4
                }
            }
            while index + 3 <= count {
                let chunk = Int(bytes[index]) << 16 | Int(bytes[index + 1]) << 8 | Int(bytes[index + 2])
                target.storeBytes(of: pairs[chunk >> 12], toByteOffset: out, as: UInt16.self)
                target.storeBytes(of: pairs[chunk & 0xFFF], toByteOffset: out + 2, as: UInt16.self)
                index += 3
                out += 4
            }
        }
        switch count - index {
        case 1:
            let chunk = UInt32(bytes[index]) << 16
            output[out] = table[Int(chunk >> 18 & 0x3F)]
            output[out + 1] = table[Int(chunk >> 12 & 0x3F)]
            out += 2
        case 2:
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            output[out] = table[Int(chunk >> 18 & 0x3F)]
            output[out + 1] = table[Int(chunk >> 12 & 0x3F)]
            output[out + 2] = table[Int(chunk >> 6 & 0x3F)]
            out += 3
        default:
            break
        }
        return out
    }

    /// Appends the encoding of `bytes` to `output` as ASCII bytes.
    @inlinable
    public static func encode(_ bytes: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        let length = encodedLength(bytes.count)
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: length))
        output.withUnsafeMutableBufferPointer { buffer in _ = encode(bytes, to: buffer.baseAddress! + start) }
    }

    /// Appends the encoding of `bytes` to `output` as ASCII bytes.
    @inlinable
    public static func encode(_ bytes: [UInt8], into output: inout [UInt8]) {
        bytes.withUnsafeBytes { encode($0, into: &output) }
    }

    /// The encoding of `bytes` as a string.
    public static func encode(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { raw in
            String(unsafeUninitializedCapacity: encodedLength(raw.count)) { buffer in encode(raw, to: buffer.baseAddress!) }
        }
    }

    /// The encoding of a string's UTF-8 bytes.
    public static func encode(_ text: String) -> String {
        encode(Array(text.utf8))
    }

    /// Decodes strictly into `output` (capacity `decodedCapacity(text.count)`); returns the byte
    /// count, or `nil` for anything that is not the one canonical encoding of some bytes.
    @inlinable
    public static func decode(_ text: UnsafeBufferPointer<UInt8>, to output: UnsafeMutablePointer<UInt8>) -> Int? {
        let count = text.count
        let remainder = count % 4
        if remainder == 1 { return nil }
        return reverse.withUnsafeBufferPointer { table -> Int? in
            var index = 0
            var out = 0
            let valid = quadTables.withUnsafeBufferPointer { quads -> Bool in
                let quad = quads.baseAddress!
                let source = UnsafeRawPointer(text.baseAddress!)
                let target = UnsafeMutableRawPointer(output)
                var invalid: UInt32 = 0
                // Eight characters per load; each quad's three bytes go out as one 4-byte store whose
                // fourth byte the next store overwrites (capacity has the slack; see decodedCapacity).
                while index + 8 <= count {
                    let word = source.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                    let low = quad[Int(word & 0xFF)] | quad[256 + Int(word >> 8 & 0xFF)]
                        | quad[512 + Int(word >> 16 & 0xFF)] | quad[768 + Int(word >> 24 & 0xFF)]
                    let high = quad[Int(word >> 32 & 0xFF)] | quad[256 + Int(word >> 40 & 0xFF)]
                        | quad[512 + Int(word >> 48 & 0xFF)] | quad[768 + Int(word >> 56)]
                    invalid |= low | high
                    target.storeBytes(of: (low << 8).byteSwapped, toByteOffset: out, as: UInt32.self)
                    target.storeBytes(of: (high << 8).byteSwapped, toByteOffset: out + 3, as: UInt32.self)
                    index += 8
                    out += 6
                }
                while index + 4 <= count {
                    let chunk = quad[Int(text[index])] | quad[256 + Int(text[index + 1])]
                        | quad[512 + Int(text[index + 2])] | quad[768 + Int(text[index + 3])]
                    invalid |= chunk
                    output[out] = UInt8(truncatingIfNeeded: chunk >> 16)
                    output[out + 1] = UInt8(truncatingIfNeeded: chunk >> 8)
                    output[out + 2] = UInt8(truncatingIfNeeded: chunk)
                    index += 4
                    out += 3
                }
                return invalid & 0xFF00_0000 == 0
            }
            if !valid { return nil }
            if remainder == 2 {
                let a = table[Int(text[index])], b = table[Int(text[index + 1])]
                if (a | b) & 0xC0 != 0 || b & 0x0F != 0 { return nil }
                output[out] = a << 2 | b >> 4
                out += 1
            } else if remainder == 3 {
                let a = table[Int(text[index])], b = table[Int(text[index + 1])], c = table[Int(text[index + 2])]
                if (a | b | c) & 0xC0 != 0 || c & 0x03 != 0 { return nil }
                output[out] = a << 2 | b >> 4
                output[out + 1] = b << 4 | c >> 2
                out += 2
            }
            return out
        }
    }

    /// Decodes strictly; `nil` for anything that is not the one canonical encoding of some bytes.
    @inlinable
    public static func decode(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var ok = true
        let bytes = [UInt8](unsafeUninitializedCapacity: decodedCapacity(text.count)) { buffer, written in
            if let count = decode(text, to: buffer.baseAddress!) { written = count } else { ok = false; written = 0 }
        }
        return ok ? bytes : nil
    }

    /// Decodes a string strictly; `nil` when it is not canonical base64url.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var copy = String(text)
        return copy.withUTF8 { decode($0) }
    }
}
