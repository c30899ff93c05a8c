/// Where a client is, as far as an edge proxy or a GeoIP database can tell: a city and a country, either unknown.
///
/// Every source is checked the same way before a value gets here (`init?(checkingCity:country:)`): the country
/// is an ISO 3166-1 alpha-2 code in capitals, and the city a short line of printable text. Both end up in
/// session records that admin pages and APIs show, so a header or a database must not smuggle control
/// characters, bidirectional overrides or kilobytes of text into them.
public struct Location: Sendable, Hashable, CustomStringConvertible {
    /// The city's name (English where the source has several), or `nil` when unknown.
    public var city: String?
    /// ISO 3166-1 alpha-2, upper case (`GB`), or `nil` when unknown.
    public var country: String?

    /// The longest city name kept, in UTF-8 bytes; a longer one is unknown rather than cut.
    public static let maximumCityBytes = 128

    /// A location taken as it is: for values already checked, and for tests.
    public init(city: String? = nil, country: String? = nil) {
        self.city = city
        self.country = country
    }

    /// A location from untrusted text: each field passes `countryCode(_:)` or `cityName(_:)` or becomes unknown;
    /// `nil` when both are unknown.
    public init?(checkingCity city: String?, country: String?) {
        let checkedCountry = country.flatMap(Self.countryCode)
        let checkedCity = city.flatMap(Self.cityName)
        guard checkedCountry != nil || checkedCity != nil else { return nil }
        self.init(city: checkedCity, country: checkedCountry)
    }

    /// The country code in capitals when `text` is two ASCII letters naming a country, else `nil`.
    ///
    /// ISO 3166's user-assigned codes (`AA`, `QM`–`QZ`, `XA`–`XZ`, `ZZ`) are what edges and databases use for
    /// "unknown" (Cloudflare's `XX`) and pseudo-countries, so they are unknown here, except `XK`: Kosovo, as
    /// Cloudflare, CloudFront and MaxMind all write it. `EU` and `AP` name regions, not countries. Cloudflare's
    /// `T1` (Tor) is not two letters and is refused with any other shape.
    public static func countryCode(_ text: some StringProtocol) -> String? {
        let bytes = Array(text.utf8.prefix(3))
        guard bytes.count == 2 else { return nil }
        var upper: [UInt8] = []
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): upper.append(byte)
            case UInt8(ascii: "a")...UInt8(ascii: "z"): upper.append(byte - 0x20)
            default: return nil
            }
        }
        let code = String(decoding: upper, as: UTF8.self)
        guard !Self.notCountries.contains(code) else { return nil }
        let (first, second) = (upper[0], upper[1])
        if first == UInt8(ascii: "Q"), second >= UInt8(ascii: "M") { return nil }
        if first == UInt8(ascii: "X"), second != UInt8(ascii: "K") { return nil }
        return code
    }

    /// Codes of the right shape that name no country (the `QM`–`QZ` and `X?` ranges are checked apart).
    static let notCountries: Set<String> = ["AA", "ZZ", "EU", "AP"]

    /// `text` without surrounding spaces and tabs when it is a name fit to show: not empty, at most `maximumCityBytes`
    /// UTF-8 bytes, and free of control and format characters (C0, DEL, C1, bidirectional overrides, zero-width
    /// characters), line and paragraph separators, private-use and unassigned code points, and U+FFFD (a sign
    /// of bytes that were not UTF-8). Anything else is unknown, never repaired.
    public static func cityName(_ text: some StringProtocol) -> String? {
        guard text.utf8.count <= 2 * maximumCityBytes else { return nil }
        let name = String(Substring(text).trimmingSpaces)
        guard !name.isEmpty, name.utf8.count <= maximumCityBytes else { return nil }
        for scalar in name.unicodeScalars {
            guard scalar != "\u{FFFD}" else { return nil }
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned:
                return nil
            default:
                continue
            }
        }
        return name
    }

    public var description: String {
        switch (city, country) {
        case let (city?, country?): "\(city), \(country)"
        case let (city?, nil): city
        case let (nil, country?): country
        case (nil, nil): "unknown"
        }
    }
}
