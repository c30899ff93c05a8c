extension Device {
    /// Platforms as `Sec-CH-UA-Platform` names them, with the OS family shown for each.
    static let hintedSystems: [String: String] = [
        "Windows": "Windows", "macOS": "macOS", "Linux": "Linux", "Chrome OS": "Chrome OS", "Chromium OS": "Chrome OS",
        "Android": "Android", "iOS": "iOS",
    ]
    static let desktopPlatforms: Set = ["Windows", "macOS", "Linux", "Chrome OS", "Chromium OS"]

    /// The device once the client hints are heard; they win over the user agent, which browsers freeze
    /// and users spoof more readily:
    /// - `Sec-CH-UA-Mobile: ?1` makes it mobile, unless the user agent says tablet or bot;
    /// - `?0` with a desktop platform makes it desktop, and `?0` on Android a tablet (Chrome on Android
    ///   sends `?0` on tablets), unless the user agent says bot;
    /// - a desktop platform without `Sec-CH-UA-Mobile` makes an unknown type desktop;
    /// - a known `Sec-CH-UA-Platform` sets the OS family. The user agent's OS version is kept only when it
    ///   names the same OS and is not Chrome's reduced user agent, whose versions are frozen ("Windows NT
    ///   10.0" on Windows 11 too): a frozen version would be wrong more often than not.
    func refined(by hints: ClientHints, userAgent: String) -> Device {
        var type = self.type
        if type != .bot {
            let desktop = hints.platform.map(Self.desktopPlatforms.contains) ?? false
            switch hints.mobile {
            case true?: if type != .tablet { type = .mobile }
            case false? where desktop: type = .desktop
            case false? where hints.platform == "Android": type = .tablet
            case nil where desktop && type == .unknown: type = .desktop
            default: break
            }
        }
        var refined = Device(type: type, os: os, osVersion: osVersion, browser: browser, browserVersion: browserVersion)
        if let platform = hints.platform, let system = Self.hintedSystems[platform] {
            if system != os || Self.isReduced(userAgent) { refined.osVersion = nil }
            refined.os = system
        }
        return refined
    }

    /// Whether `userAgent` is Chrome's reduced user agent: `Chrome/<major>.0.0.0`, whose OS part is frozen.
    static func isReduced(_ userAgent: String) -> Bool {
        userAgent.utf8.ranges(of: "Chrome/".utf8).contains { found in
            let rest = userAgent.utf8[found.upperBound...]
            let digits = rest.prefix(while: { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
            return !digits.isEmpty && rest.dropFirst(digits.count).starts(with: ".0.0.0".utf8)
        }
    }
}
