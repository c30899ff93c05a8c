/// The kind of device a session was opened from, as the rich session shows it (`device.type`).
public enum DeviceType: String, Sendable {
    /// A Windows, macOS, Linux, BSD or ChromeOS computer's browser or program.
    case desktop
    /// A phone: iPhone, Android with the "Mobile" token, Windows Phone, feature phones and the like.
    case mobile
    /// iPad, Android without the "Mobile" token, Kindle and Silk, and the tablet models uap-core names.
    case tablet
    /// A crawler, monitor or scripted HTTP client (curl, wget, HTTP libraries, headless browsers).
    case bot
    /// Nothing above can be told: empty or unrecognised user agents, and TVs, consoles and watches.
    case unknown
}
