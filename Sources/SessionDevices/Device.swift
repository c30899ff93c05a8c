/// What a user agent (and the client hints beside it) says about the device a session came from.
///
/// `os` and `browser` are uap-core's family names ("Mobile Safari", "Chrome Mobile", "Samsung Internet"),
/// with one exception: uap-core's "Mac OS X" is shown as "macOS", the name Apple has used since 2016 and
/// the one `Sec-CH-UA-Platform` sends. Unknown is "Other", as in uap-core.
public struct Device: Sendable, Hashable {
    public var type: DeviceType
    public var os: String
    /// `major.minor.patch` as far as the user agent tells; nil when it tells none, or when it is frozen
    /// (Chrome's reduced user agent) and a client hint named the platform.
    public var osVersion: String?
    public var browser: String
    public var browserVersion: String?
    /// True for phones and tablets (`type` is `.mobile` or `.tablet`), the way Clerk's `is_mobile` counts
    /// them: both are handheld touch devices, which is what a "new sign-in on a mobile device" notice means.
    public var isMobile: Bool

    /// A device whose `isMobile` follows from `type`.
    public init(type: DeviceType, os: String, osVersion: String? = nil, browser: String, browserVersion: String? = nil) {
        self.type = type
        self.os = os
        self.osVersion = osVersion
        self.browser = browser
        self.browserVersion = browserVersion
        self.isMobile = type == .mobile || type == .tablet
    }
}
