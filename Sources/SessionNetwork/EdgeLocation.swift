/// The client's location as an edge network (a CDN in front of the service) writes it into request headers.
///
/// These headers are only as good as whoever set them: any client can send `CF-IPCountry: US`. They are read
/// through `ClientAddressResolver.edgeLocation(peer:fields:)`, which asks only when the socket peer is a trusted
/// proxy. Even then a trusted proxy may pass on what its own client sent (nginx forwards unknown headers as
/// they are), so:
/// - only the providers the operator names are read (`providers`; both by default);
/// - a header that appears more than once is unknown (an edge sets it once; a second copy was sent by someone else);
/// - when two providers both answer and disagree, neither is believed: behind Cloudflare a client can forge the
///   CloudFront headers, and the other way round, but it cannot then choose the answer, only make it unknown.
public struct EdgeLocation: Sendable, Hashable {
    /// An edge network whose location headers are understood.
    public enum Provider: String, Sendable, Hashable, CaseIterable {
        /// Cloudflare: `CF-IPCountry` (IP geolocation) and `CF-IPCity` ("Add visitor location headers").
        case cloudflare
        /// Amazon CloudFront: `CloudFront-Viewer-Country` and `CloudFront-Viewer-City` (URL-encoded), when an
        /// origin request policy forwards them.
        case cloudFront = "cloudfront"

        /// The header holding the country code.
        public var countryHeader: String {
            switch self {
            case .cloudflare: "CF-IPCountry"
            case .cloudFront: "CloudFront-Viewer-Country"
            }
        }

        /// The header holding the city's name.
        public var cityHeader: String {
            switch self {
            case .cloudflare: "CF-IPCity"
            case .cloudFront: "CloudFront-Viewer-City"
            }
        }

        /// What this provider's headers say, checked; `nil` when they say nothing usable.
        func location(fields: (String) -> [String]) -> Location? {
            let country = Self.single(fields(countryHeader))
            var city = Self.single(fields(cityHeader))
            // CloudFront percent-encodes the city (`S%C3%A3o%20Paulo`); Cloudflare sends it as it is.
            if self == .cloudFront { city = city.flatMap(EdgeLocation.percentDecoded) }
            return Location(checkingCity: city, country: country)
        }

        /// The one value of a header; absent or repeated is unknown.
        static func single(_ values: [String]) -> String? {
            values.count == 1 ? values[0] : nil
        }
    }

    /// The providers whose headers are read.
    public let providers: Set<Provider>

    public init(providers: Set<Provider> = Set(Provider.allCases)) {
        self.providers = providers
    }

    /// Every header this reads, for a caller that copies headers out of a request.
    public var headerNames: [String] {
        Provider.allCases.filter(providers.contains).flatMap { [$0.countryHeader, $0.cityHeader] }
    }

    /// The location the headers give, or `nil`. `fields` returns every value of the named header (names are
    /// case-insensitive, as HTTP's are), in the order received. Call it only for a request from a trusted proxy.
    public func location(fields: (String) -> [String]) -> Location? {
        let answers = Provider.allCases.filter(providers.contains).compactMap { $0.location(fields: fields) }
        guard let first = answers.first, answers.allSatisfy({ $0 == first }) else { return nil }
        return first
    }

    /// RFC 3986 percent-decoding into UTF-8; `nil` for a stray `%`, bytes that are not UTF-8, or input longer
    /// than any city name `Location` keeps could be when encoded. `+` stays `+`.
    static func percentDecoded(_ text: String) -> String? {
        guard text.utf8.count <= 3 * Location.maximumCityBytes else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
