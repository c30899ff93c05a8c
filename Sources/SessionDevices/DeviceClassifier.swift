/// Tessera's rules for `device.type`, which uap-core does not give: it names devices ("iPad", "Samsung
/// SM-T820", "Spider"), not kinds. The first rule that applies wins:
///
/// 1. bot: uap-core's device or browser family is "Spider" (its crawler lists), or the user agent is a
///    scripted client uap-core leaves alone (curl, wget, HTTP libraries, headless browsers);
/// 2. unknown: TVs, set-top boxes, consoles and watches (uap-core's TV brands and systems, or their tokens);
/// 3. tablet: iPad, Kindle and Silk, uap-core's tablet families and models (Galaxy Tab, Nexus 7, …), a
///    "Tablet" token (not "Tablet PC"), and Android browsers without "Mobile" (Google's rule for tablets);
/// 4. mobile: iPhone and iPod, the other Android user agents, a mobile OS (Windows Phone, KaiOS,
///    Symbian, …), a "Mobi"/"Opera Mini" token, or any phone uap-core names;
/// 5. desktop: a desktop OS (Windows, macOS, Linux and its distributions, BSD, ChromeOS, Solaris);
/// 6. else unknown.
///
/// Tokens are matched ignoring ASCII case, all in one pass over the text (a `LiteralScanner`).
///
/// iPadOS Safari asks for desktop sites by default, with a user agent byte for byte a Mac's: it is desktop
/// here, as no user agent rule can tell them apart (and Safari sends no client hints).
enum DeviceClassifier {
    static func type(userAgent: String, lowered: [UInt8], uap: UAPResult) -> DeviceType {
        let found = Signatures.shared.scanner.scan(lowered)
        let has = { (group: Signatures.Group) in found.containsAny(Signatures.shared.ids[group.rawValue]) }
        if uap.device.family == "Spider" || uap.browser.family == "Spider" || has(.automation) { return .bot }
        if uap.device.brand == "Generic_Inettv" || uap.device.family == "Apple Watch" || screenSystems.contains(uap.os.family)
            || has(.screen)
        {
            return .unknown
        }
        if isTablet(uap: uap, has: has, userAgent: userAgent) { return .tablet }
        if mobileSystems.contains(uap.os.family) || has(.mobile) || ["Generic Smartphone", "Generic Feature Phone"].contains(uap.device.family)
            || uap.device.brand == "Generic_Android"
        {
            return .mobile
        }
        if desktopSystems.contains(uap.os.family) || uap.os.family.hasPrefix("Windows") { return .desktop }
        // uap-core's device rules are about handheld devices: any device it names is one.
        if !["Other", "Mac", "Spider"].contains(uap.device.family) { return .mobile }
        return .unknown
    }

    static func isTablet(uap: UAPResult, has: (Signatures.Group) -> Bool, userAgent: String) -> Bool {
        if has(.tablet) && !has(.tabletPC) { return true }
        if uap.browser.family == "Amazon Silk" || uap.os.family == "BlackBerry Tablet OS" || uap.os.family == "Kindle" { return true }
        if uap.device.brand == "Generic_Android_Tablet" || uap.device.family == "Generic Tablet" { return true }
        // Models as uap-core names them, matched at the start of a word of its family or model.
        let model = UserAgentText.lowered(" \(uap.device.family) \(uap.device.model ?? "")")
        if Signatures.shared.tabletModels.scan(model).containsAny(Signatures.shared.tabletModelIDs) { return true }
        // Google's rule: Android browsers on tablets leave out "Mobile". Apps' own user agents (Dalvik,
        // okhttp) leave it out everywhere, so only a browser's (Mozilla/…) counts.
        return uap.os.family == "Android" && userAgent.hasPrefix("Mozilla/") && !has(.mobileToken)
    }

    /// Systems of TVs, set-top boxes and watches, as uap-core names them.
    static let screenSystems: Set = ["ATV OS X", "tvOS", "WatchOS", "Chromecast", "GoogleTV", "Roku", "FireHbbTV", "Web0S", "WebTV"]

    static let mobileSystems: Set = [
        "iOS", "Android", "Windows Phone", "Windows Mobile", "Windows CE", "BlackBerry OS", "Symbian OS", "Symbian^3",
        "Symbian^3 Anna", "Symbian^3 Belle", "KaiOS", "Firefox OS", "Sailfish", "Tizen", "Bada", "BREW", "Brew MP", "MeeGo",
        "Maemo", "webOS", "Nokia Series 40", "Nokia Series 30 Plus", "Ubuntu Touch", "HarmonyOS",
    ]

    static let desktopSystems: Set = [
        "Mac OS X", "Mac OS", "Linux", "Ubuntu", "Kubuntu", "Xubuntu", "Lubuntu", "Debian", "Fedora", "Red Hat", "CentOS",
        "SUSE", "openSUSE", "Mint", "Linux Mint", "Arch Linux", "Gentoo", "Slackware", "Mandriva", "Mageia", "PCLinuxOS",
        "Chrome OS", "FreeBSD", "OpenBSD", "NetBSD", "BSD", "DragonFly BSD", "Solaris", "SerenityOS", "Haiku", "BeOS",
    ]

    /// The tokens the rules look for, lower-cased, with one scanner for all of them.
    struct Signatures: Sendable {
        enum Group: Int, CaseIterable {
            case automation, screen, tablet, tabletPC, mobile, mobileToken
        }

        static let shared = Signatures()

        static func tokens(_ group: Group) -> [String] {
            switch group {
            // Scripted clients uap-core's "Spider" lists miss.
            case .automation:
                return [
                    "curl/", "wget/", "wget2/", "httpie/", "python-requests/", "python-urllib/", "python-httpx/", "aiohttp/",
                    "go-http-client/", "libwww-perl/", "apache-httpclient/", "java/", "node-fetch/", "axios/", "undici",
                    "headlesschrome/", "phantomjs/", "puppeteer", "playwright", "selenium", "scrapy/", "postmanruntime/",
                    "insomnia/", "bot/", "bot;", "crawler", "spider",
                ]
            // TVs, set-top boxes, consoles and watches.
            case .screen:
                return [
                    "smart-tv", "smarttv", "smart tv", "googletv", "google tv", "android tv", "appletv", "apple tv", "crkey",
                    "hbbtv", "netcast", "bravia", "web0s", "tizen tv", "playstation", "xbox", "nintendo", "watchos",
                ]
            case .tablet: return ["ipad", "kindle", "silk/", "tablet"]
            case .tabletPC: return ["tablet pc"]
            case .mobile: return ["iphone", "ipod", "android", "mobi", "opera mini", "windows phone"]
            case .mobileToken: return ["mobile"]
            }
        }

        /// Tablet model names, each after a space: matched at the start of a word.
        static let tabletModelNames = [
            "ipad", "kindle", "galaxy tab", "sm-t", "sm-x", "sm-p", "gt-p", "nexus 7", "nexus 9", "nexus 10", "pixel c",
            "pixel tablet", "mediapad", "matepad", "xoom", "lenovo tb", "lenovo tab", "tablet",
        ]

        let scanner: LiteralScanner
        /// By group: the ids of its tokens in `scanner`.
        let ids: [[Int32]]
        let tabletModels: LiteralScanner
        let tabletModelIDs: [Int32]

        init() {
            var literals: [[UInt8]] = []
            var idOf: [String: Int32] = [:]
            ids = Group.allCases.map { group in
                Self.tokens(group).map { token in
                    if let id = idOf[token] { return id }
                    idOf[token] = Int32(literals.count)
                    literals.append(Array(token.utf8))
                    return Int32(literals.count - 1)
                }
            }
            scanner = LiteralScanner(literals: literals)
            tabletModels = LiteralScanner(literals: Self.tabletModelNames.map { Array(" \($0)".utf8) })
            tabletModelIDs = Self.tabletModelNames.indices.map { Int32($0) }
        }
    }
}
