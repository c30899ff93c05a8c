import SessionNetwork
import Testing

@Suite struct EdgeLocationTests {
    let resolver: ClientAddressResolver
    let proxy: IPAddress

    init() throws {
        resolver = ClientAddressResolver(trustedProxies: [try net("192.0.2.0/24"), try net("2001:db8:1::/48")])
        proxy = try ip("192.0.2.10")
    }

    func edge(_ pairs: [(String, String)], peer: String = "192.0.2.10") throws -> Location? {
        resolver.edgeLocation(peer: try ip(peer), fields: fields(pairs))
    }

    @Test func cloudflareHeadersFromATrustedProxy() throws {
        #expect(try edge([("CF-IPCountry", "GB"), ("CF-IPCity", "London")]) == Location(city: "London", country: "GB"))
        #expect(try edge([("cf-ipcountry", "SE"), ("cf-ipcity", "Linköping")]) == Location(city: "Linköping", country: "SE"))
        #expect(try edge([("CF-IPCountry", "US")], peer: "2001:db8:1::5") == Location(country: "US"))
    }

    @Test func cloudFrontHeadersArePercentDecoded() throws {
        let headers = [("CloudFront-Viewer-Country", "BR"), ("CloudFront-Viewer-City", "S%C3%A3o%20Paulo")]
        #expect(try edge(headers) == Location(city: "São Paulo", country: "BR"))
        #expect(try edge([("CloudFront-Viewer-City", "Ann%20Arbor")]) == Location(city: "Ann Arbor"))
        // "+" is not a space in RFC 3986 percent-encoding.
        #expect(try edge([("CloudFront-Viewer-City", "A+B")]) == Location(city: "A+B"))
    }

    @Test func onlyFromATrustedPeer() throws {
        let headers = [("CF-IPCountry", "GB"), ("CF-IPCity", "London"), ("CloudFront-Viewer-Country", "GB")]
        #expect(try edge(headers, peer: "198.51.100.9") == nil)
        #expect(try edge(headers, peer: "2001:db8:2::1") == nil)
        #expect(resolver.edgeLocation(peer: nil, fields: fields(headers)) == nil)
        #expect(try edge(headers) == nil)  // the two providers disagree on the city: see below
        #expect(try edge(Array(headers.prefix(2))) == Location(city: "London", country: "GB"))
    }

    @Test func unknownAndTorCountriesAreUnknown() throws {
        #expect(try edge([("CF-IPCountry", "XX")]) == nil)
        #expect(try edge([("CF-IPCountry", "T1")]) == nil)
        #expect(try edge([("CF-IPCountry", "XX"), ("CF-IPCity", "London")]) == Location(city: "London"))
    }

    @Test(arguments: [
        ("CF-IPCity", "Lon\ndon"), ("CF-IPCity", "Lon\u{7F}don"), ("CF-IPCity", "\u{202E}nodnoL"), ("CF-IPCity", "Lon\u{200B}don"),
        ("CF-IPCity", "Lon\u{85}don"), ("CF-IPCity", "Lon\u{2028}don"), ("CF-IPCity", "\u{E000}"), ("CF-IPCity", "Lon\u{FFFD}don"),
        ("CF-IPCity", "   "), ("CF-IPCity", String(repeating: "a", count: 129)),
        ("CloudFront-Viewer-City", "Lon%0Adon"), ("CloudFront-Viewer-City", "Lon%00don"), ("CloudFront-Viewer-City", "%E2%80%AEx"),
        ("CloudFront-Viewer-City", "%C3"), ("CloudFront-Viewer-City", "%FF%FE"), ("CloudFront-Viewer-City", "100%"),
        ("CloudFront-Viewer-City", "%G1"), ("CloudFront-Viewer-City", "%4"), ("CloudFront-Viewer-City", String(repeating: "%41", count: 129)),
    ])
    func unsafeCitiesAreUnknown(header: String, value: String) throws {
        #expect(try edge([(header, value)]) == nil)
        // The country beside it survives.
        let country = header.hasPrefix("CF") ? "CF-IPCountry" : "CloudFront-Viewer-Country"
        #expect(try edge([(header, value), (country, "FR")]) == Location(country: "FR"))
    }

    @Test func longestCityKept() throws {
        let name = String(repeating: "é", count: 64)  // 128 UTF-8 bytes
        #expect(try edge([("CF-IPCity", name)]) == Location(city: name))
        #expect(try edge([("CF-IPCity", name + "e")]) == nil)
        #expect(try edge([("CloudFront-Viewer-City", String(repeating: "%C3%A9", count: 64))]) == Location(city: name))
    }

    @Test func repeatedHeaderIsUnknown() throws {
        // An edge sets its header once; a second copy came from someone else.
        #expect(try edge([("CF-IPCountry", "US"), ("CF-IPCountry", "GB")]) == nil)
        #expect(try edge([("CF-IPCountry", "GB"), ("CF-IPCity", "Paris"), ("CF-IPCity", "London")]) == Location(country: "GB"))
    }

    @Test func providersThatDisagreeAreBothDisbelieved() throws {
        let agree = [("CF-IPCountry", "GB"), ("CloudFront-Viewer-Country", "gb")]
        #expect(try edge(agree) == Location(country: "GB"))
        let disagree = [("CF-IPCountry", "GB"), ("CloudFront-Viewer-Country", "US")]
        #expect(try edge(disagree) == nil)
        #expect(try edge(disagree + [("CF-IPCity", "London")]) == nil)
        // One knowing the city and the other not is a disagreement too: a forged header may not add a city.
        #expect(try edge(agree + [("CloudFront-Viewer-City", "Paris")]) == nil)
    }

    @Test func onlyTheConfiguredProviders() throws {
        let cloudFrontOnly = ClientAddressResolver(
            trustedProxies: [try net("192.0.2.0/24")], edgeLocation: EdgeLocation(providers: [.cloudFront]))
        let headers = fields([("CF-IPCountry", "US"), ("CF-IPCity", "New York")])
        #expect(cloudFrontOnly.edgeLocation(peer: proxy, fields: headers) == nil)
        #expect(resolver.edgeLocation(peer: proxy, fields: headers) == Location(city: "New York", country: "US"))
        let both = fields([("CF-IPCountry", "US"), ("CloudFront-Viewer-Country", "DE")])
        #expect(cloudFrontOnly.edgeLocation(peer: proxy, fields: both) == Location(country: "DE"))
        #expect(cloudFrontOnly.edgeLocation.headerNames == ["CloudFront-Viewer-Country", "CloudFront-Viewer-City"])
        #expect(EdgeLocation.Provider(rawValue: "cloudfront") == .cloudFront)
        #expect(EdgeLocation.Provider(rawValue: "cloudflare") == .cloudflare)
        let none = ClientAddressResolver(trustedProxies: [try net("192.0.2.0/24")], edgeLocation: EdgeLocation(providers: []))
        #expect(none.edgeLocation(peer: proxy, fields: both) == nil)
    }
}

@Suite struct LocationTests {
    @Test(arguments: [("GB", "GB"), ("gb", "GB"), ("Us", "US"), ("XK", "XK"), ("AQ", "AQ"), ("QA", "QA"), ("QL", "QL")])
    func countryCodes(text: String, code: String) {
        #expect(Location.countryCode(text) == code)
    }

    @Test(arguments: [
        "XX", "T1", "ZZ", "AA", "QM", "QZ", "XA", "XZ", "EU", "AP", "A1", "O1", "", "G", "GBR", " GB", "GB ", "G B", "Ü1", "ＧＢ",
        "G\u{0}",
    ])
    func notCountryCodes(text: String) {
        #expect(Location.countryCode(text) == nil)
    }

    @Test func cityNamesAreTrimmedNotRepaired() {
        #expect(Location.cityName("  Boxford\t") == "Boxford")
        #expect(Location.cityName("Frankfurt am Main") == "Frankfurt am Main")
        #expect(Location.cityName("Saint-Étienne") == "Saint-Étienne")
        #expect(Location.cityName("Box\tford") == nil)
        #expect(Location.cityName("") == nil)
    }

    @Test func checkedLocationNeedsOneKnownField() {
        #expect(Location(checkingCity: nil, country: "XX") == nil)
        #expect(Location(checkingCity: "\n", country: nil) == nil)
        #expect(Location(checkingCity: "London", country: "XX") == Location(city: "London"))
        #expect(Location(checkingCity: " London ", country: "gb")?.description == "London, GB")
        #expect(Location().description == "unknown")
    }
}
