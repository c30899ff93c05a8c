/// Writes compact JSON straight into memory sized in advance with `bound(of:)`, with no per-byte
/// capacity checks: claims serialisation is on the minting hot path.
struct JSONByteWriter {
    let base: UnsafeMutablePointer<UInt8>
    let capacity: Int
    private(set) var count = 0
    /// Set when a write did not fit; everything after it was dropped and the caller must retry
    /// with an exact bound.
    private(set) var overflowed = false

    init(_ base: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    /// Fills a new array through a writer; `capacity` must bound what `body` writes.
    static func bytes(capacity: Int, _ body: (inout JSONByteWriter) -> Void) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: capacity) { buffer, written in
            var writer = JSONByteWriter(buffer.baseAddress!, capacity: capacity)
            body(&writer)
            precondition(!writer.overflowed, "JSON size bound was wrong")
            written = writer.count
        }
    }

    /// Whether `needed` more bytes fit; records the overflow otherwise.
    @inline(__always)
    private mutating func room(_ needed: Int) -> Bool {
        if count + needed <= capacity, !overflowed { return true }
        overflowed = true
        return false
    }

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        guard room(1) else { return }
        base[count] = value
        count += 1
    }

    /// Overwrites a byte already written (no-op after an overflow dropped it).
    mutating func replaceByte(at position: Int, with value: UInt8) {
        if position < count { base[position] = value }
    }

    @inline(__always)
    mutating func raw(_ text: StaticString) {
        guard room(text.utf8CodeUnitCount) else { return }
        (base + count).update(from: text.utf8Start, count: text.utf8CodeUnitCount)
        count += text.utf8CodeUnitCount
    }

    /// The most bytes `string(text)` can write: every byte escaped as `\u00XX`, plus quotes.
    @inline(__always)
    static func bound(of text: String) -> Int { text.utf8.count * 6 + 2 }

    static func bound(of value: JSONValue) -> Int {
        switch value {
        case .null, .bool: return 5
        case .integer: return 20
        case .double: return 40
        case .string(let text): return bound(of: text)
        case .array(let items): return items.reduce(2 + items.count) { $0 + bound(of: $1) }
        case .object(let object): return bound(of: object)
        }
    }

    static func bound(of object: JSONObject) -> Int {
        object.members.reduce(2 + object.count * 2) { $0 + bound(of: $1.key) + bound(of: $1.value) }
    }

    mutating func string(_ text: String) {
        var text = text  // withUTF8 is mutating only to make a bridged string native; ours already are
        text.withUTF8 { utf8 in
            guard room(utf8.count * 6 + 2) else { return }
            base[count] = UInt8(ascii: "\"")
            count += 1
            escaped(utf8)
            base[count] = UInt8(ascii: "\"")
            count += 1
        }
    }

    private static let hexDigits: StaticString = "0123456789abcdef"

    /// The high bit of each byte of `word` that is a quote, a backslash or a control character
    /// (and possibly of bytes above the first such byte: the subtractions borrow upwards).
    @inline(__always)
    private static func escapeFlags(_ word: UInt64) -> UInt64 {
        let quote = word ^ 0x2222_2222_2222_2222
        let backslash = word ^ 0x5C5C_5C5C_5C5C_5C5C
        return (((quote &- 0x0101_0101_0101_0101) & ~quote) | ((backslash &- 0x0101_0101_0101_0101) & ~backslash)
            | ((word &- 0x2020_2020_2020_2020) & ~word)) & 0x8080_8080_8080_8080
    }

    /// Whether no byte needs escaping, checked a word at a time including the tail (an overlapping
    /// last word, or for strings under eight bytes a word assembled from them): what every string
    /// in a Tessera token looks like, so it is then copied in one go.
    @inline(__always)
    private static func needsNoEscaping(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = bytes.count
        let source = UnsafeRawPointer(bytes.baseAddress!)
        var flags: UInt64 = 0
        if count >= 8 {
            var index = 0
            while index + 8 <= count {
                flags |= escapeFlags(UInt64(littleEndian: source.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
                index += 8
            }
            if index < count {
                flags |= escapeFlags(UInt64(littleEndian: source.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)))
            }
        } else {
            var word: UInt64 = 0x4141_4141_4141_4141  // "AAAAAAAA": needs no escaping
            for index in 0..<count {
                word = word & ~(0xFF << UInt64(8 * index)) | UInt64(bytes[index]) << UInt64(8 * index)
            }
            flags = escapeFlags(word)
        }
        return flags == 0
    }

    /// Copies runs that need no escaping in one go, finding them eight bytes at a time; escapes
    /// only what RFC 8259 requires (quote, backslash, control characters).
    private mutating func escaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        let count = bytes.count
        guard count > 0 else { return }
        if Self.needsNoEscaping(bytes) {
            copy(bytes, 0..<count)
            return
        }
        let source = UnsafeRawPointer(bytes.baseAddress!)
        var runStart = 0
        var index = 0
        while index < count {
            if index + 8 <= count {
                let word = source.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                let quote = word ^ 0x2222_2222_2222_2222
                let backslash = word ^ 0x5C5C_5C5C_5C5C_5C5C
                let special = ((quote &- 0x0101_0101_0101_0101) & ~quote) | ((backslash &- 0x0101_0101_0101_0101) & ~backslash)
                    | ((word &- 0x2020_2020_2020_2020) & ~word)
                if special & 0x8080_8080_8080_8080 == 0 {
                    index += 8
                    continue
                }
            }
            let value = bytes[index]
            index += 1
            guard value < 0x20 || value == 0x22 || value == 0x5C else { continue }
            copy(bytes, runStart..<index - 1)
            runStart = index
            byte(0x5C)
            switch value {
            case 0x22, 0x5C: byte(value)
            case 0x0A: byte(UInt8(ascii: "n"))
            case 0x0D: byte(UInt8(ascii: "r"))
            case 0x09: byte(UInt8(ascii: "t"))
            default:
                raw("u00")
                byte(Self.hexDigits.utf8Start[Int(value >> 4)])
                byte(Self.hexDigits.utf8Start[Int(value & 0x0F)])
            }
        }
        copy(bytes, runStart..<count)
    }

    @inline(__always)
    private mutating func copy(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        guard !range.isEmpty else { return }
        (base + count).update(from: bytes.baseAddress! + range.lowerBound, count: range.count)
        count += range.count
    }

    mutating func integer(_ number: Int64) {
        guard room(20) else { return }
        if number == 0 {
            byte(UInt8(ascii: "0"))
            return
        }
        var magnitude = number.magnitude
        if number < 0 { byte(UInt8(ascii: "-")) }
        var digits = 0
        var probe = magnitude
        while probe > 0 {
            probe /= 10
            digits += 1
        }
        var position = count + digits - 1
        while magnitude > 0 {
            base[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
            position -= 1
        }
        count += digits
    }

    mutating func value(_ value: JSONValue) {
        switch value {
        case .null: raw("null")
        case .bool(let flag): if flag { raw("true") } else { raw("false") }
        case .integer(let number): integer(number)
        case .double(let number):
            // Whole doubles keep a ".0" so they read back as doubles, not integers.
            let text = Array((number.rounded() == number && abs(number) < 1e15 ? "\(Int64(number)).0" : "\(number)").utf8)
            guard room(text.count) else { return }
            text.withUnsafeBufferPointer { copy($0, 0..<$0.count) }
        case .string(let text): string(text)
        case .array(let items):
            byte(UInt8(ascii: "["))
            for (offset, item) in items.enumerated() {
                if offset > 0 { byte(UInt8(ascii: ",")) }
                self.value(item)
            }
            byte(UInt8(ascii: "]"))
        case .object(let object):
            byte(UInt8(ascii: "{"))
            for (offset, member) in object.members.enumerated() {
                if offset > 0 { byte(UInt8(ascii: ",")) }
                string(member.key)
                byte(UInt8(ascii: ":"))
                self.value(member.value)
            }
            byte(UInt8(ascii: "}"))
        }
    }
}
