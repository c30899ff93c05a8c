@testable import SessionDevices
import Testing

/// Only the first 512 bytes are looked at, and no control character reaches a result.
@Suite struct UserAgentTextTests {
    static let edge =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80"

    @Test func aHundredKilobyteUserAgentIsReadForItsFirst512Bytes() {
        let huge = Self.edge + " " + String(repeating: "A", count: 100_000)
        let parser = DeviceParser()
        let device = parser.parse(userAgent: huge)
        #expect(device == DeviceParser().parse(userAgent: String(huge.utf8.prefix(512))!))
        #expect(device.browser == "Edge" && device.type == .desktop)
        // The cache keeps the 512-byte prefix, not the 100 KB header.
        #expect(parser.cacheUsage.bytes < 2_000)
        // A longer one with the same first 512 bytes is the same entry.
        _ = parser.parse(userAgent: huge + "B")
        #expect(parser.cacheUsage.count == 1)
    }

    @Test func theCutFallsOnAWholeCharacter() {
        let text = String(repeating: "é", count: 300)  // 600 bytes, two each
        let prefix = UserAgentText.prefix(text)
        #expect(prefix.utf8.count == 512 && prefix == String(repeating: "é", count: 256))
        let odd = "a" + text  // the 512th byte is the first half of an "é"
        #expect(UserAgentText.prefix(odd).utf8.count == 511)
        #expect(UserAgentText.prefix("short") == "short")
    }

    @Test func controlCharactersNeverReachAResult() {
        // Without cleaning, uap-core's CFNetwork rule would copy the NUL and the escape into the browser family.
        let hostile = "Evil\u{0}\u{1B}[31mApp/70 CFNetwork/978.0.7 Darwin/18.6.0\r\nX-Injected: 1"
        let raw = UAPCoreParser.shared.parse(hostile)
        #expect(raw.browser.family.unicodeScalars.contains(where: UserAgentText.isUnsafe))
        let device = DeviceParser().parse(userAgent: hostile)
        #expect(device.browser == "Evil  [31mApp")
        for field in [device.os, device.osVersion ?? "", device.browser, device.browserVersion ?? ""] {
            #expect(!field.unicodeScalars.contains(where: UserAgentText.isUnsafe), "\(field.debugDescription)")
        }
        // Every C0 and C1 control, DEL, line separators and bidirectional overrides, in a real user agent.
        let controls = (0...0x1F).map { Unicode.Scalar(UInt8($0)) } + (0x7F...0x9F).compactMap { Unicode.Scalar($0) }
            + [0x2028, 0x2029, 0x202E, 0x2066].compactMap { Unicode.Scalar($0) }
        var dirty = String.UnicodeScalarView()
        for (index, scalar) in Self.edge.unicodeScalars.enumerated() {
            dirty.append(scalar)
            if index % 3 == 0 { dirty.append(controls[index % controls.count]) }
        }
        let parsed = DeviceParser().parse(userAgent: String(dirty))
        for field in [parsed.os, parsed.osVersion ?? "", parsed.browser, parsed.browserVersion ?? ""] {
            #expect(!field.unicodeScalars.contains(where: UserAgentText.isUnsafe), "\(field.debugDescription)")
        }
        #expect(UserAgentText.cleaned("a\u{0}b\u{9F}c\u{202E}d") == "a b c d")
    }
}
