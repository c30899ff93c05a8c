import SessionNetwork
import Testing

func ip(_ text: String) throws -> IPAddress { try #require(IPAddress(text)) }
func net(_ text: String) throws -> IPNetwork { try #require(IPNetwork(text)) }

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("203.0.113.45", "203.0.113.45"), ("0.0.0.0", "0.0.0.0"), ("255.255.255.255", "255.255.255.255"),
        ("2001:db8::1", "2001:db8::1"), ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"), ("::", "::"), ("::1", "::1"),
        ("1::", "1::"), ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"), ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"), ("::ffff:198.51.100.7", "198.51.100.7"), ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
        ("fe80:0:0:1:0:0:0:0", "fe80:0:0:1::"), ("fe80::1:0:0:0", "fe80::1:0:0:0"),
    ])
    func parsesAndPrintsCanonically(text: String, canonical: String) throws {
        let address = try ip(text)
        #expect(address.description == canonical)
        #expect(IPAddress(canonical) == address)
        #expect(IPAddress(bytes: address.bytes) == address)
    }

    @Test(arguments: [
        "", " 1.2.3.4", "1.2.3.4 ", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.04", "1..2.3", "1.2.3.", ".1.2.3",
        "1.2.3.4/32", "[::1]", "::1%eth0", ":::", "1:::2", "1::2::3", ":1::2", "1::2:", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7::8", "12345::", "g::", "::1.2.3", "::1.2.3.4:5", "1.2.3.4::", "1.2.3.4\0", "1.2.3.4\n", "１.2.3.4",
        String(repeating: "1", count: 46), "::ffff:1.2.3.256",
    ])
    func refusesAnythingElse(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func ipv4IsMappedAndOrdered() throws {
        let four = try ip("10.0.0.1")
        #expect(four.isIPv4 && four == IPAddress("::ffff:10.0.0.1"))
        #expect(four.bytes == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 10, 0, 0, 1])
        #expect(try ip("10.0.0.1") < ip("10.0.0.2"))
        #expect(try !(ip("2001:db8::1")).isIPv4)
    }
}

@Suite struct IPNetworkTests {
    @Test func blocksContainTheirAddressesOnly() throws {
        let block = try net("203.0.113.0/24")
        #expect(try block.contains(ip("203.0.113.0")) && block.contains(ip("203.0.113.255")))
        #expect(try !block.contains(ip("203.0.114.0")) && !block.contains(ip("203.0.112.255")))
        #expect(block.description == "203.0.113.0/24")
        let single = try net("198.51.100.7")
        #expect(single.first == single.last && single.prefixLength == 32)
        let six = try net("2001:db8::/32")
        #expect(try six.contains(ip("2001:db8:ffff::1")) && !six.contains(ip("2001:db9::")))
        // Every IPv4 address, and only those.
        let everyIPv4 = try net("0.0.0.0/0")
        #expect(try everyIPv4.contains(ip("255.255.255.255")) && !everyIPv4.contains(ip("::1")))
        #expect(try net("::/0").contains(ip("1.2.3.4")))
        #expect(try net("::ffff:0:0/96").contains(ip("1.2.3.4")))
    }

    @Test(arguments: [
        "10.0.0.1/8", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/08", "10.0.0.0/-1", "10.0.0.0/8/8", "2001:db8::/129",
        "2001:db8::1/64", "/8", "10.0.0.0/ 8", "10.0.0.0/1000", "garbage",
    ])
    func refusesMalformedBlocks(text: String) {
        #expect(IPNetwork(text) == nil)
    }
}
