import SessionNetwork
import Testing

@Suite struct TrustedProxySettingTests {
    func parse(_ values: [String]) throws -> [String] {
        try ClientAddressResolver.trustedProxies(parsing: values).map(\.description)
    }

    @Test func repeatedFlagsAndCommaSeparatedLists() throws {
        #expect(try parse(["10.0.0.0/8"]) == ["10.0.0.0/8"])
        #expect(try parse(["10.0.0.0/8", "192.0.2.0/24"]) == ["10.0.0.0/8", "192.0.2.0/24"])
        #expect(try parse([" 10.0.0.0/8 , 2001:db8::/32,\t198.51.100.7"]) == ["10.0.0.0/8", "2001:db8::/32", "198.51.100.7/32"])
        #expect(try parse(["10.0.0.0/8,192.0.2.0/24", "2001:db8::1"]) == ["10.0.0.0/8", "192.0.2.0/24", "2001:db8::1/128"])
    }

    @Test func emptySettingTrustsNoProxy() throws {
        #expect(try parse([]) == [])
        #expect(try parse([""]) == [])
        #expect(try parse(["  "]) == [])
    }

    @Test(arguments: [
        "10.0.0.0/8,,192.0.2.0/24", "10.0.0.0/8,", ",10.0.0.0/8", " , ", "garbage", "10.0.0.0/33", "10.0.0.0/08", "10.0.0.0/",
        "2001:db8::/129", "[2001:db8::1]", "10.0.0.1:80", "fe80::1%eth0", "proxy.example.com", "0.0.0.0/0", "::/0",
        "::ffff:0:0/96", "::/1",
    ])
    func badEntriesAreRefusedWithTheirText(entry: String) throws {
        let error = #expect(throws: NetworkError.self) { try ClientAddressResolver.trustedProxies(parsing: ["10.1.0.0/16", entry]) }
        #expect(error?.code == .invalidTrustedProxy)
        #expect(error?.reason.hasPrefix("trusted proxy \"") == true)
    }

    @Test func reasonsSayWhatIsWrong() throws {
        func reason(_ entry: String) -> String? {
            do {
                _ = try ClientAddressResolver.trustedProxies(parsing: [entry])
                return nil
            } catch {
                return error.reason
            }
        }
        #expect(reason("10.0.0.1/8")?.contains("did you mean 10.0.0.0/8?") == true)
        #expect(reason("2001:db8::1/32")?.contains("did you mean 2001:db8::/32?") == true)
        #expect(reason("10.0.0.0/33")?.contains("0...32") == true)
        #expect(reason("2001:db8::/129")?.contains("0...128") == true)
        #expect(reason("0.0.0.0/0")?.contains("every IPv4 address") == true)
        #expect(reason("a,,b")?.contains("\"a\"") == true)
        #expect(reason("10.0.0.0/8,,b")?.contains("empty entry") == true)
        #expect(reason("nope")?.contains("not an IPv4 or IPv6 address") == true)
    }
}
