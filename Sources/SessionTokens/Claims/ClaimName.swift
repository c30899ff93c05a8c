/// The registered claim names, recognised from a key's bytes packed into one integer.
enum ClaimName: UInt32, CustomStringConvertible {
    case azp = 0x03_70_7A_61
    case aud = 0x03_64_75_61
    case exp = 0x03_70_78_65
    case fva = 0x03_61_76_66
    case iat = 0x03_74_61_69
    case iss = 0x03_73_73_69
    case jti = 0x03_69_74_6A
    case nbf = 0x03_66_62_6E
    case sid = 0x03_64_69_73
    case sts = 0x03_73_74_73
    case sub = 0x03_62_75_73
    case v = 0x01_00_00_76

    /// A distinct bit index per name, for duplicate detection.
    var bit: UInt16 {
        switch self {
        case .azp: 0
        case .aud: 1
        case .exp: 2
        case .fva: 3
        case .iat: 4
        case .iss: 5
        case .jti: 6
        case .nbf: 7
        case .sid: 8
        case .sts: 9
        case .sub: 10
        case .v: 11
        }
    }

    var description: String {
        let count = Int(rawValue >> 24)
        return String(decoding: (0..<count).map { UInt8(truncatingIfNeeded: rawValue >> (8 * UInt32($0))) }, as: UTF8.self)
    }

    /// `nil` for every key that is not exactly one of the names (any key over three bytes included).
    @inline(__always)
    init?(_ key: String) {
        var code: UInt32 = 0
        var count: UInt32 = 0
        for byte in key.utf8 {
            if count == 3 { return nil }
            code |= UInt32(byte) << (8 * count)
            count += 1
        }
        self.init(rawValue: code | count << 24)
    }

    /// The same from a name's raw bytes (no escapes).
    @inline(__always)
    init?(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        guard range.count <= 3 else { return nil }
        var code = UInt32(range.count) << 24
        for (shift, position) in range.enumerated() { code |= UInt32(bytes[position]) << (8 * UInt32(shift)) }
        self.init(rawValue: code)
    }
}
