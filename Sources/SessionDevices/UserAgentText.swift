/// The part of a user agent that is parsed, and the text the rules see.
enum UserAgentText {
    /// The edge truncates longer user agents, so nothing past this many UTF-8 bytes is ever looked at.
    static let maximumBytes = 512

    /// The first `maximumBytes` bytes of `userAgent`, cut back to a whole Unicode scalar. Everything the
    /// parser returns depends on this prefix only, so it is also the cache key: a 100 KB header is not kept.
    static func prefix(_ userAgent: String) -> String {
        guard userAgent.utf8.count > maximumBytes else { return userAgent }
        var end = userAgent.unicodeScalars.startIndex
        var bytes = 0
        for index in userAgent.unicodeScalars.indices {
            let width = UTF8.width(userAgent.unicodeScalars[index])
            guard bytes + width <= maximumBytes else { break }
            bytes += width
            end = userAgent.unicodeScalars.index(after: index)
        }
        return String(userAgent.unicodeScalars[..<end])
    }

    /// `text` with every control character (C0, DEL, C1), line or paragraph separator and bidirectional
    /// override replaced by a space: the rules' capture groups copy text into the results, which are shown
    /// in admin screens and logs, where such characters could break lines or reorder what is displayed.
    static func cleaned(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append(isUnsafe(scalar) ? " " : scalar)
        }
        return String(scalars)
    }

    /// The UTF-8 of `text` with ASCII letters lower-cased: what the prefilters scan.
    static func lowered(_ text: String) -> [UInt8] {
        var bytes = Array(text.utf8)
        for index in bytes.indices where bytes[index] &- 0x41 < 26 { bytes[index] |= 0x20 }
        return bytes
    }

    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true  // Cc
        case 0x2028, 0x2029: return true  // line and paragraph separators
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x061C: return true  // bidirectional marks and overrides
        default: return false
        }
    }
}
