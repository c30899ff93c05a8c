import SessionGeo
import SessionNetwork
import Testing

/// Request headers as a test writes them: names compared case-insensitively, values in order.
func fields(_ pairs: [(String, String)]) -> (String) -> [String] {
    { name in pairs.filter { $0.0.lowercased() == name.lowercased() }.map(\.1) }
}

@Suite struct LocationResolverTests {
    /// The deployment's proxies are 10.0.0.0/8; the database is MaxMind's test database.
    let addresses: ClientAddressResolver
    let resolver: LocationResolver
    let proxy: IPAddress

    init() throws {
        addresses = ClientAddressResolver(trustedProxies: [try #require(IPNetwork("10.0.0.0/8"))])
        resolver = LocationResolver(addresses: addresses, database: try Fixture.open())
        proxy = try ip("10.0.0.7")
    }

    /// Both answers for one request, the way the server asks.
    func resolve(peer: String?, _ pairs: [(String, String)]) throws -> (address: String?, location: Location?) {
        let peerAddress = try peer.map { try ip($0) }
        let headers = fields(pairs)
        let client = addresses.clientAddress(peer: peerAddress, forwardedFor: headers(ClientAddressResolver.forwardedForHeader))
        return (client?.description, resolver.location(peer: peerAddress, client: client, fields: headers))
    }

    @Test func forgedHeadersFromAnUntrustedClientChooseNothing() throws {
        // A client in Boxford claims to be a London address and, through Cloudflare's headers, in the US.
        let forged = [("X-Forwarded-For", "81.2.69.142"), ("CF-IPCountry", "US"), ("CF-IPCity", "New York")]
        let answer = try resolve(peer: "2.125.160.216", forged)
        #expect(answer.address == "2.125.160.216")
        #expect(answer.location == Location(city: "Boxford", country: "GB"))
        // Without a database it has no location at all, rather than the one it sent.
        let bare = LocationResolver(addresses: addresses, database: nil)
        #expect(bare.location(peer: try ip("2.125.160.216"), client: try ip("2.125.160.216"), fields: fields(forged)) == nil)
    }

    @Test func edgeHeadersFromATrustedProxyComeFirst() throws {
        let answer = try resolve(peer: "10.0.0.7", [("X-Forwarded-For", "81.2.69.142"), ("CF-IPCountry", "FR"), ("CF-IPCity", "Paris")])
        #expect(answer.address == "81.2.69.142")
        #expect(answer.location == Location(city: "Paris", country: "FR"))
    }

    @Test func databaseAnswersForTheForwardedClient() throws {
        let answer = try resolve(peer: "10.0.0.7", [("X-Forwarded-For", "1.2.3.4, 81.2.69.142, 10.0.0.5")])
        #expect(answer.address == "81.2.69.142")
        #expect(answer.location == Location(city: "London", country: "GB"))
        // Edge headers that say nothing usable fall through to the database.
        let unknown = try resolve(peer: "10.0.0.7", [("X-Forwarded-For", "2001:480:10::1"), ("CF-IPCountry", "XX")])
        #expect(unknown.location == Location(city: "San Diego", country: "US"))
    }

    @Test func nothingAnswers() throws {
        #expect(try resolve(peer: "10.0.0.7", [("X-Forwarded-For", "1.1.1.1")]).location == nil)
        #expect(try resolve(peer: nil, [("X-Forwarded-For", "81.2.69.142"), ("CF-IPCountry", "GB")]).location == nil)
        // The proxy itself is not in the database either.
        #expect(try resolve(peer: "10.0.0.7", []).location == nil)
        let bare = LocationResolver(addresses: addresses, database: nil)
        #expect(bare.location(peer: proxy, client: try ip("81.2.69.142"), fields: fields([])) == nil)
    }
}
