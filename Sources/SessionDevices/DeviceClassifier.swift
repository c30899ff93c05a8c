/// Tessera's rules for `device.type`, which uap-core does not give: it names devices ("iPad", "Samsung
/// SM-T820", "Spider"), not kinds. The first rule that applies wins:
///
/// 1. bot: uap-core's device or browser family is "Spider" (its crawler lists), or the user agent is a
///    scripted client uap-core leaves alone (curl, wget, HTTP libraries, headless browsers);
/// 2. unknown: TVs, set-top boxes, consoles and watches (uap-core's TV brands, or their tokens);
/// 3. tablet: iPad, Kindle and Silk, uap-core's tablet families and models (Galaxy Tab, Nexus 7, …), a
///    "Tablet" token, and Android browsers without "Mobile" (Google's rule for Android tablets);
/// 4. mobile: iPhone and iPod, the other Android user agents, a mobile OS (Windows Phone, KaiOS,
///    Symbian, …), a "Mobile"/"Mobi"/"Opera Mini" token, or any phone uap-core names;
/// 5. desktop: a desktop OS (Windows, macOS, Linux and its distributions, BSD, ChromeOS, Solaris);
/// 6. else unknown.
///
/// iPadOS Safari asks for desktop sites by default, with a user agent byte for byte a Mac's: it is desktop
/// here, as no user agent rule can tell them apart.
enum DeviceClassifier {
    static func type(userAgent: String, uap: UAPResult) -> DeviceType {
        let lower = userAgent.lowercased()
        if isBot(lower: lower, uap: uap) { return .bot }
        if isTelevisionConsoleOrWatch(lower: lower, uap: uap) { return .unknown }
        if isTablet(userAgent: userAgent, lower: lower, uap: uap) { return .tablet }
        if isMobile(userAgent: userAgent, uap: uap) { return .mobile }
        if desktopSystems.contains(uap.os.family) || uap.os.family.hasPrefix("Windows") { return .desktop }
        // uap-core's device rules are about handheld devices: any device it names is one.
        if !["Other", "Mac", "Spider"].contains(uap.device.family) { return .mobile }
        return .unknown
    }

    /// Scripted clients uap-core's "Spider" lists miss, lower-cased.
    static let automationSignatures = [
        "curl/", "wget/", "wget2/", "httpie/", "python-requests/", "python-urllib/", "python-httpx/", "aiohttp/",
        "go-http-client/", "libwww-perl/", "apache-httpclient/", "java/", "node-fetch/", "axios/", "undici",
        "headlesschrome/", "phantomjs/", "puppeteer", "playwright", "selenium", "scrapy/", "postmanruntime/",
        "insomnia/", "bot/", "bot;", "crawler", "spider",
    ]

    static func isBot(lower: String, uap: UAPResult) -> Bool {
        uap.device.family == "Spider" || uap.browser.family == "Spider"
            || automationSignatures.contains(where: lower.contains)
    }

    static func isTelevisionConsoleOrWatch(lower: String, uap: UAPResult) -> Bool {
        if uap.device.brand == "Generic_Inettv" || uap.device.family == "Apple Watch" { return true }
        if ["ATV OS X", "tvOS", "WatchOS", "Chromecast", "GoogleTV", "Roku", "FireHbbTV", "Web0S", "WebTV"].contains(uap.os.family) {
            return true
        }
        return [
            "smart-tv", "smarttv", "smart tv", "googletv", "google tv", "android tv", "appletv", "apple tv", "crkey",
            "hbbtv", "netcast", "bravia", "web0s", "tizen tv", "aftb", "afts", "aftm", "playstation", "xbox", "nintendo",
            "watchos",
        ].contains(where: lower.contains)
    }

    /// Tablet models as uap-core names them (its device family or model), lower-cased.
    static let tabletModels = [
        "ipad", "kindle", "galaxy tab", "sm-t", "sm-x", "sm-p", "gt-p", "nexus 7", "nexus 9", "nexus 10", "pixel c",
        "pixel tablet", "mediapad", "matepad", "xoom", "lenovo tb", "lenovo tab", "tablet",
    ]

    static func isTablet(userAgent: String, lower: String, uap: UAPResult) -> Bool {
        if userAgent.contains("iPad") || userAgent.contains("Kindle") || userAgent.contains("Silk/") { return true }
        if uap.browser.family == "Amazon Silk" || uap.os.family == "BlackBerry Tablet OS" || uap.os.family == "Kindle" { return true }
        if uap.device.brand == "Generic_Android_Tablet" || uap.device.family == "Generic Tablet" { return true }
        let model = (uap.device.family + " " + (uap.device.model ?? "")).lowercased()
        if tabletModels.contains(where: model.hasPrefix) || tabletModels.contains(where: { model.contains(" " + $0) }) { return true }
        if userAgent.contains("Tablet") && !userAgent.contains("Tablet PC") { return true }
        // Google's rule: Android browsers on tablets leave out "Mobile". Apps' own user agents (Dalvik,
        // okhttp) leave it out everywhere, so only a browser's (Mozilla/…) counts.
        return uap.os.family == "Android" && userAgent.hasPrefix("Mozilla/") && !userAgent.contains("Mobile")
    }

    static let mobileSystems: Set = [
        "iOS", "Android", "Windows Phone", "Windows Mobile", "Windows CE", "BlackBerry OS", "Symbian OS", "Symbian^3",
        "Symbian^3 Anna", "Symbian^3 Belle", "KaiOS", "Firefox OS", "Sailfish", "Tizen", "Bada", "BREW", "Brew MP", "MeeGo",
        "Maemo", "webOS", "Nokia Series 40", "Nokia Series 30 Plus", "Ubuntu Touch", "HarmonyOS",
    ]

    static func isMobile(userAgent: String, uap: UAPResult) -> Bool {
        if userAgent.contains("iPhone") || userAgent.contains("iPod") { return true }
        if mobileSystems.contains(uap.os.family) { return true }
        if ["Generic Smartphone", "Generic Feature Phone"].contains(uap.device.family) || uap.device.brand == "Generic_Android" {
            return true
        }
        return ["Mobile", "Mobi", "Opera Mini", "Windows Phone", "IEMobile", "Android"].contains(where: userAgent.contains)
    }

    static let desktopSystems: Set = [
        "Mac OS X", "Mac OS", "Linux", "Ubuntu", "Kubuntu", "Xubuntu", "Lubuntu", "Debian", "Fedora", "Red Hat", "CentOS",
        "SUSE", "openSUSE", "Mint", "Linux Mint", "Arch Linux", "Gentoo", "Slackware", "Mandriva", "Mageia", "PCLinuxOS",
        "Chrome OS", "FreeBSD", "OpenBSD", "NetBSD", "BSD", "DragonFly BSD", "Solaris", "SerenityOS", "Haiku", "BeOS",
    ]
}
