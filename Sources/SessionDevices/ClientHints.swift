import RawStructuredFieldValues

/// The low-entropy User-Agent Client Hints that Chromium browsers send on every request, without being
/// asked: `Sec-CH-UA-Mobile` and `Sec-CH-UA-Platform`. They are more reliable than the user agent, which
/// Chrome has frozen ("Windows NT 10.0" on Windows 11, "Mac OS X 10_15_7" on any macOS, "Android 10; K").
public struct ClientHints: Sendable, Hashable {
    /// `Sec-CH-UA-Mobile`: whether the browser prefers a mobile experience.
    public var mobile: Bool?
    /// `Sec-CH-UA-Platform`: "Windows", "macOS", "Linux", "Chrome OS", "Android", "iOS", "Unknown", …
    public var platform: String?

    public init(mobile: Bool? = nil, platform: String? = nil) {
        self.mobile = mobile
        self.platform = platform
    }

    /// Parses both headers strictly as RFC 9651 structured fields: `Sec-CH-UA-Mobile` must be a boolean
    /// (`?1`, `?0`) and `Sec-CH-UA-Platform` a string (`"macOS"`), each an item whose parameters are
    /// ignored. A header that is absent, malformed or of another type is ignored: the user agent alone
    /// then decides. An empty platform, or one longer than 64 bytes (no real one is), is ignored too.
    public init(mobileHeader: String?, platformHeader: String?) {
        if let mobileHeader, case .bool(let value)? = Self.item(mobileHeader) {
            mobile = value
        }
        if let platformHeader, case .string(let value)? = Self.item(platformHeader), !value.isEmpty, value.utf8.count <= 64 {
            platform = value
        }
    }

    /// True when neither header said anything usable.
    var isEmpty: Bool { mobile == nil && platform == nil }

    private static func item(_ header: String) -> RFC9651BareItem? {
        var parser = StructuredFieldValueParser(Array(header.utf8))
        return try? parser.parseItemFieldValue().rfc9651BareItem
    }
}
