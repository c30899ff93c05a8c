import SessionNetwork
import Testing

/// Request headers as a test writes them: names compared case-insensitively, values in order.
func fields(_ pairs: [(String, String)]) -> (String) -> [String] {
    { name in pairs.filter { $0.0.lowercased() == name.lowercased() }.map(\.1) }
}

@Suite struct ClientAddressResolverTests {
    /// 10.0.0.0/8 and 2001:db8:1::/48 are the deployment's proxies; nothing else is trusted.
    let resolver: ClientAddressResolver
    let proxy: IPAddress

    init() throws {
        resolver = ClientAddressResolver(trustedProxies: [try net("10.0.0.0/8"), try net("2001:db8:1::/48")])
        proxy = try ip("10.0.0.7")
    }

    func client(_ peer: String?, _ forwardedFor: [String]) throws -> String? {
        let peerAddress = try peer.map { try ip($0) }
        return resolver.clientAddress(peer: peerAddress, forwardedFor: forwardedFor)?.description
    }

    // MARK: The attack: a client that is not a trusted proxy names another address and location.

    @Test func untrustedPeerWithForgedHeadersGetsItsOwnAddressAndNoLocation() throws {
        let attacker = try ip("198.51.100.9")
        let forged = fields([
            ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-For", "10.0.0.1"),
            ("CF-IPCountry", "US"), ("CF-IPCity", "New York"),
            ("CloudFront-Viewer-Country", "US"), ("CloudFront-Viewer-City", "New%20York"),
        ])
        #expect(resolver.clientAddress(peer: attacker, forwardedFor: forged("x-forwarded-for")) == attacker)
        #expect(resolver.edgeLocation(peer: attacker, fields: forged) == nil)
        // The same headers from a trusted proxy are believed, so the test above fails if trust is ignored.
        #expect(resolver.clientAddress(peer: proxy, forwardedFor: forged("x-forwarded-for")) == (try ip("203.0.113.7")))
        #expect(resolver.edgeLocation(peer: proxy, fields: forged) == Location(city: "New York", country: "US"))
    }

    @Test func clientBehindTrustedProxyCannotPrependItsChoice() throws {
        // The client sent "X-Forwarded-For: 10.0.0.99, 192.0.2.1"; the proxy appended the client's real address.
        #expect(try client("10.0.0.7", ["10.0.0.99, 192.0.2.1, 203.0.113.7"]) == "203.0.113.7")
        // A trusted-looking hop the client wrote is never reached past its own, untrusted, address.
        #expect(try client("10.0.0.7", ["10.0.0.99, 203.0.113.7"]) == "203.0.113.7")
    }

    @Test func noPeerMeansNoAddressWhateverTheHeaderSays() throws {
        #expect(try client(nil, ["203.0.113.7"]) == nil)
    }

    @Test func untrustedPeerWithoutHeaderIsTheClient() throws {
        #expect(try client("203.0.113.7", []) == "203.0.113.7")
        #expect(try client("2001:db8:ffff::9", ["10.0.0.5"]) == "2001:db8:ffff::9")
    }

    // MARK: Chains of trusted proxies.

    @Test func trustedPeerWithoutHeaderIsItself() throws {
        #expect(try client("10.0.0.7", []) == "10.0.0.7")
        #expect(try client("10.0.0.7", [""]) == "10.0.0.7")
    }

    @Test func walksPastEveryTrustedProxy() throws {
        #expect(try client("10.0.0.7", ["203.0.113.7"]) == "203.0.113.7")
        #expect(try client("10.0.0.7", ["203.0.113.7, 10.0.0.5, 10.1.2.3"]) == "203.0.113.7")
        // The right-most untrusted hop, not the left-most.
        #expect(try client("10.0.0.7", ["203.0.113.7, 198.51.100.2, 10.0.0.5"]) == "198.51.100.2")
    }

    @Test func everyHopTrustedGivesTheLeftMost() throws {
        #expect(try client("10.0.0.7", ["10.0.0.1, 10.0.0.2"]) == "10.0.0.1")
    }

    @Test func severalHeaderLinesAreOneListInOrder() throws {
        #expect(try client("10.0.0.7", ["1.2.3.4, 203.0.113.7", "10.0.0.5"]) == "203.0.113.7")
        #expect(try client("10.0.0.7", ["203.0.113.7", "198.51.100.1"]) == "198.51.100.1")
        #expect(try client("10.0.0.7", ["198.51.100.1", "203.0.113.7"]) == "203.0.113.7")
        #expect(try client("10.0.0.7", ["203.0.113.7", "", "10.0.0.5"]) == "203.0.113.7")
    }

    @Test func ipv6PeersAndHops() throws {
        #expect(try client("2001:db8:1::2", ["2001:db8:ffff::9, 2001:db8:1::1"]) == "2001:db8:ffff::9")
        #expect(try client("2001:db8:1::2", ["203.0.113.7, 2001:db8:1::1"]) == "203.0.113.7")
        #expect(try client("10.0.0.7", ["2001:DB8:FFFF:0:0:0:0:9"]) == "2001:db8:ffff::9")
        // A dual-stack socket reports an IPv4 proxy as ::ffff:a.b.c.d; it is still the trusted IPv4 proxy.
        #expect(try client("::ffff:10.0.0.7", ["203.0.113.7"]) == "203.0.113.7")
        #expect(try client("10.0.0.7", ["::ffff:203.0.113.7"]) == "203.0.113.7")
    }

    @Test func bracketsAndPortsThatLoadBalancersAppend() throws {
        #expect(try client("10.0.0.7", ["[2001:db8:ffff::9]:4711"]) == "2001:db8:ffff::9")
        #expect(try client("10.0.0.7", ["[2001:db8:ffff::9]"]) == "2001:db8:ffff::9")
        #expect(try client("10.0.0.7", ["203.0.113.7:8080"]) == "203.0.113.7")
        #expect(try client("10.0.0.7", ["203.0.113.7:65535, 10.0.0.5:443"]) == "203.0.113.7")
    }

    @Test func spacesTabsAndEmptyElementsAreNotHops() throws {
        #expect(try client("10.0.0.7", [" 203.0.113.7 ,, \t10.0.0.5\t, "]) == "203.0.113.7")
        #expect(try client("10.0.0.7", [",,203.0.113.7,,"]) == "203.0.113.7")
        #expect(try client("10.0.0.7", [" , ,"]) == "10.0.0.7")
    }

    /// A hop that does not parse stops the walk: the last trusted address reached is the answer, never the
    /// client-written text to its left.
    @Test(arguments: [
        "unknown", "_hidden", "", "1.2.3.4 5.6.7.8", "010.0.0.1", "256.0.0.1", "fe80::1%eth0", "[1.2.3.4]", "[::1",
        "2001:db8::1]:80", "[::1]:", "[::1]80", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:080", "1.2.3.4:http",
        "example.com", "for=203.0.113.7", "\"203.0.113.7\"", "203.0.113.7\u{0}", "２０３.0.113.7",
    ])
    func malformedHopStopsAtTheLastTrustedAddress(garbage: String) throws {
        let line = "203.0.113.7, \(garbage), 10.0.0.5"
        // "" is an empty element, skipped like any other; every other value is a hop that does not parse.
        #expect(try client("10.0.0.7", [line]) == (garbage.isEmpty ? "203.0.113.7" : "10.0.0.5"))
        #expect(try client("10.0.0.7", ["203.0.113.7", garbage]) == (garbage.isEmpty ? "203.0.113.7" : "10.0.0.7"))
    }

    @Test func overlongHopIsMalformed() throws {
        let long = String(repeating: "0", count: 50) + "203.0.113.7"
        #expect(try client("10.0.0.7", ["198.51.100.1, \(long)"]) == "10.0.0.7")
    }

    @Test func hugeHeadersAreReadOnlyAsFarAsTrustReaches() throws {
        // 100 000 forged hops to the left of the real client: the walk stops at the client.
        let forged = Array(repeating: "10.0.0.1", count: 100_000).joined(separator: ", ")
        #expect(try client("10.0.0.7", [forged + ", 203.0.113.7, 10.0.0.5"]) == "203.0.113.7")
        // One megabyte of garbage right of the peer's own hop.
        let garbage = String(repeating: "a", count: 1 << 20)
        #expect(try client("10.0.0.7", ["203.0.113.7, " + garbage]) == "10.0.0.7")
        // Thousands of header lines, each an empty element but the last two.
        #expect(try client("10.0.0.7", Array(repeating: ",", count: 10_000) + ["198.51.100.1", "10.0.0.5"]) == "198.51.100.1")
        // A long chain of trusted hops is walked to its left end.
        let trusted = Array(repeating: "10.0.0.1", count: 10_000).joined(separator: ",")
        #expect(try client("10.0.0.7", [trusted]) == "10.0.0.1")
    }

    @Test func noTrustedProxiesMeansThePeerAlways() throws {
        let none = ClientAddressResolver(trustedProxies: [])
        let peer = try ip("10.0.0.7")
        #expect(none.clientAddress(peer: peer, forwardedFor: ["203.0.113.7"]) == peer)
        #expect(none.edgeLocation(peer: peer, fields: fields([("CF-IPCountry", "US")])) == nil)
        #expect(!none.isTrustedProxy(peer))
    }
}
