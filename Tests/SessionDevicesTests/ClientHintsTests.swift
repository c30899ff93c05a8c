@testable import SessionDevices
import Testing

/// `Sec-CH-UA-Mobile` and `Sec-CH-UA-Platform`: parsed strictly, and they win over the user agent.
@Suite struct ClientHintsTests {
    static let reducedWindows =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
    static let reducedAndroidTablet =
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
    static let desktopLinux = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
    static let googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"

    @Test func mobileHeaderIsAStructuredBoolean() {
        #expect(ClientHints(mobileHeader: "?1", platformHeader: nil).mobile == true)
        #expect(ClientHints(mobileHeader: "?0", platformHeader: nil).mobile == false)
        #expect(ClientHints(mobileHeader: " ?1", platformHeader: nil).mobile == true)  // leading spaces are stripped (RFC 9651 4.2)
        #expect(ClientHints(mobileHeader: "?1;a=1", platformHeader: nil).mobile == true)  // parameters are allowed, and ignored
        for malformed in ["?2", "1", "true", "?", "?1 x", "\"?1\"", "", "?1,?0"] {
            #expect(ClientHints(mobileHeader: malformed, platformHeader: nil).mobile == nil, "\(malformed)")
        }
    }

    @Test func platformHeaderIsAStructuredString() {
        #expect(ClientHints(mobileHeader: nil, platformHeader: "\"macOS\"").platform == "macOS")
        #expect(ClientHints(mobileHeader: nil, platformHeader: "\"Chrome OS\"").platform == "Chrome OS")
        #expect(ClientHints(mobileHeader: nil, platformHeader: "\"Windows\";v=1").platform == "Windows")
        let long = "\"" + String(repeating: "x", count: 65) + "\""
        for malformed in ["macOS", "\"macOS", "\"mac\u{1}OS\"", "\"\"", "?1", "\"mac\\OS\"", long, "\"Windows\", \"Linux\""] {
            #expect(ClientHints(mobileHeader: nil, platformHeader: malformed).platform == nil, "\(malformed)")
        }
        #expect(ClientHints(mobileHeader: nil, platformHeader: nil) == ClientHints())
    }

    @Test func reducedUserAgentTakesThePlatformAndDropsItsFrozenVersion() {
        let parser = DeviceParser()
        let plain = parser.parse(userAgent: Self.reducedWindows)
        #expect(plain.os == "Windows" && plain.osVersion == "10")
        // Windows 11 sends "Windows NT 10.0" too: with the platform hint the frozen "10" is not repeated.
        let hinted = parser.parse(userAgent: Self.reducedWindows, hints: ClientHints(mobile: false, platform: "Windows"))
        #expect(hinted == Device(type: .desktop, os: "Windows", osVersion: nil, browser: "Chrome", browserVersion: "124.0.0.0"))
    }

    @Test func platformFillsAnOSTheUserAgentDoesNotName() {
        let parser = DeviceParser()
        let device = parser.parse(userAgent: "", hints: ClientHints(mobile: false, platform: "macOS"))
        #expect(device.type == .desktop && device.os == "macOS" && device.osVersion == nil)
        let chromeOS = parser.parse(userAgent: "", hints: ClientHints(mobile: nil, platform: "Chromium OS"))
        #expect(chromeOS.type == .desktop && chromeOS.os == "Chrome OS")
        // An unknown platform names nothing.
        let unknown = parser.parse(userAgent: "", hints: ClientHints(mobile: nil, platform: "Unknown"))
        #expect(unknown.type == .unknown && unknown.os == "Other")
    }

    @Test func mobileHintWinsUnlessTheUserAgentSaysTabletOrBot() {
        let parser = DeviceParser()
        // A phone asking for the desktop site sends a Linux user agent, and still the hints of a phone.
        let phone = parser.parse(userAgent: Self.desktopLinux, hints: ClientHints(mobile: true, platform: "Android"))
        #expect(phone.type == .mobile && phone.isMobile && phone.os == "Android" && phone.osVersion == nil)
        let tablet = parser.parse(userAgent: Self.reducedAndroidTablet, hints: ClientHints(mobile: true, platform: "Android"))
        #expect(tablet.type == .tablet && tablet.os == "Android")
        let bot = parser.parse(userAgent: Self.googlebot, hints: ClientHints(mobile: true, platform: "Android"))
        #expect(bot.type == .bot && !bot.isMobile)
    }

    @Test func notMobileHintMakesADesktopPlatformDesktopAndAndroidATablet() {
        let parser = DeviceParser()
        let phoneUA = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36"
        #expect(parser.parse(userAgent: phoneUA).type == .mobile)
        #expect(parser.parse(userAgent: phoneUA, hints: ClientHints(mobile: false, platform: "Android")).type == .tablet)
        #expect(parser.parse(userAgent: phoneUA, hints: ClientHints(mobile: false, platform: "Windows")).type == .desktop)
        // `?0` without a platform says nothing about which desktop: the user agent's type stands.
        #expect(parser.parse(userAgent: phoneUA, hints: ClientHints(mobile: false, platform: nil)).type == .mobile)
        #expect(parser.parse(userAgent: Self.googlebot, hints: ClientHints(mobile: false, platform: "Windows")).type == .bot)
    }

    @Test func hintsAgreeingWithAFullUserAgentKeepItsVersion() {
        let macFirefoxLike = "Mozilla/5.0 (Macintosh; Intel Mac OS X 13_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/115.0.5790.170 Safari/537.36"
        let device = DeviceParser().parse(userAgent: macFirefoxLike, hints: ClientHints(mobile: false, platform: "macOS"))
        #expect(device.os == "macOS" && device.osVersion == "13.5")
    }

    @Test func emptyHintsAreNoHints() {
        let parser = DeviceParser()
        let agent = Self.reducedWindows
        #expect(parser.parse(userAgent: agent, hints: ClientHints()) == parser.parse(userAgent: agent))
        #expect(parser.cacheUsage.count == 1)
    }
}
