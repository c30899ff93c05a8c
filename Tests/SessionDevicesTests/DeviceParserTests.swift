@testable import SessionDevices
import Testing

/// Real user agents, as browsers, crawlers and tools send them, through the public parser: the type, OS and
/// browser a session shows.
@Suite struct DeviceParserTests {
    struct Example: Sendable, CustomTestStringConvertible {
        var name: String
        var userAgent: String
        var type: DeviceType
        var os: String
        var browser: String
        var testDescription: String { name }
    }

    static let examples: [Example] = [
        Example(
            name: "Chrome on macOS", userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
            type: .desktop, os: "macOS", browser: "Chrome"),
        Example(
            name: "Edge on Windows",
            userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
            type: .desktop, os: "Windows", browser: "Edge"),
        Example(
            name: "Firefox on Linux", userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
            type: .desktop, os: "Linux", browser: "Firefox"),
        Example(
            name: "Firefox on Ubuntu", userAgent: "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
            type: .desktop, os: "Ubuntu", browser: "Firefox"),
        Example(
            name: "Safari on iPhone",
            userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
            type: .mobile, os: "iOS", browser: "Mobile Safari"),
        Example(
            name: "Safari on iPad",
            userAgent: "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
            type: .tablet, os: "iOS", browser: "Mobile Safari"),
        // iPadOS 13+ asks for desktop sites with a Mac's user agent, byte for byte: it is shown as a Mac.
        Example(
            name: "Safari on iPadOS, desktop mode",
            userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
            type: .desktop, os: "macOS", browser: "Safari"),
        Example(
            name: "Chrome on an Android phone (reduced)",
            userAgent: "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
            type: .mobile, os: "Android", browser: "Chrome Mobile"),
        Example(
            name: "Chrome on an Android tablet (reduced)",
            userAgent: "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
            type: .tablet, os: "Android", browser: "Chrome"),
        Example(
            name: "Chrome on a Galaxy Tab S8",
            userAgent: "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Safari/537.36",
            type: .tablet, os: "Android", browser: "Chrome"),
        Example(
            name: "Firefox on an Android tablet", userAgent: "Mozilla/5.0 (Android 13; Tablet; rv:125.0) Gecko/125.0 Firefox/125.0",
            type: .tablet, os: "Android", browser: "Firefox Mobile"),
        Example(
            name: "Silk on a Kindle Fire",
            userAgent: "Mozilla/5.0 (Linux; Android 9; KFMAWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/124.2.5 like Chrome/124.0.6367.118 Safari/537.36",
            type: .tablet, os: "Android", browser: "Amazon Silk"),
        Example(
            name: "Samsung Internet",
            userAgent: "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
            type: .mobile, os: "Android", browser: "Samsung Internet"),
        Example(
            name: "Windows Phone",
            userAgent: "Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; Lumia 950) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/52.0.2743.116 Mobile Safari/537.36 Edge/15.15063",
            type: .mobile, os: "Windows Phone", browser: "Edge Mobile"),
        Example(
            name: "Googlebot", userAgent: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            type: .bot, os: "Other", browser: "Googlebot"),
        Example(
            name: "Googlebot smartphone",
            userAgent: "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.118 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            type: .bot, os: "Android", browser: "Googlebot"),
        Example(
            name: "Bingbot", userAgent: "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            type: .bot, os: "Other", browser: "bingbot"),
        Example(
            name: "Bingbot (Chromium)",
            userAgent: "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
            type: .bot, os: "Other", browser: "bingbot"),
        Example(name: "curl", userAgent: "curl/8.5.0", type: .bot, os: "Other", browser: "curl"),
        Example(name: "python-requests", userAgent: "python-requests/2.31.0", type: .bot, os: "Other", browser: "Python Requests"),
        Example(
            name: "Headless Chrome",
            userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36",
            type: .bot, os: "Linux", browser: "HeadlessChrome"),
        Example(
            name: "an Android app (okhttp)", userAgent: "Dalvik/2.1.0 (Linux; U; Android 13; Pixel 7 Build/TQ3A.230901.001)",
            type: .mobile, os: "Android", browser: "Android"),
        Example(
            name: "Android TV",
            userAgent: "Mozilla/5.0 (Linux; Android 9; BRAVIA 4K GB ATV3 Build/PTT1.190515.001.S52) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.164 Safari/537.36",
            type: .unknown, os: "Android", browser: "Chrome"),
        Example(
            name: "Xbox",
            userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox One) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edge/44.18363.8131",
            type: .unknown, os: "Windows", browser: "Edge"),
        Example(
            name: "Chrome on ChromeOS",
            userAgent: "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
            type: .desktop, os: "Chrome OS", browser: "Chrome"),
        Example(name: "empty", userAgent: "", type: .unknown, os: "Other", browser: "Other"),
        Example(name: "made up", userAgent: "hello", type: .unknown, os: "Other", browser: "Other"),
    ]

    @Test(arguments: examples)
    func realUserAgents(_ example: Example) {
        let device = DeviceParser().parse(userAgent: example.userAgent)
        #expect(device.type == example.type)
        #expect(device.os == example.os)
        #expect(device.browser == example.browser)
        #expect(device.isMobile == (example.type == .mobile || example.type == .tablet))
    }

    @Test func versionsAsFarAsTheUserAgentTells() {
        let parser = DeviceParser()
        let iPhone = parser.parse(userAgent: Self.examples[4].userAgent)
        #expect(iPhone.osVersion == "17.4.1")
        #expect(iPhone.browserVersion == "17.4.1")
        let edge = parser.parse(userAgent: Self.examples[1].userAgent)
        #expect(edge.osVersion == "10")
        #expect(edge.browserVersion == "124.0.2478.80")
        let empty = parser.parse(userAgent: "")
        #expect(empty.osVersion == nil && empty.browserVersion == nil)
    }
}
