import SessionCaching
import Synchronization

/// Turns a user agent, and the client hints that came with it, into a `Device`, with uap-core's rules
/// (`UAPCoreParser`) and Tessera's device types (`DeviceClassifier`).
///
/// Sessions call it when they are created and when their activity changes, never on the token path.
/// Results are cached by the text parsed (the user agent's first 512 bytes) and the hints, in a cache
/// bounded in bytes: a fleet of identical browsers costs one parse, and a flood of made-up user agents
/// evicts old entries instead of growing memory.
public final class DeviceParser: Sendable {
    private struct Key: Hashable, Sendable {
        var userAgent: String
        var hints: ClientHints?
    }

    private let cache: Mutex<BoundedCache<Key, Device>>

    /// - Parameter cacheBytes: the most the cached results may take, keys included (`HeapBytes` estimates,
    ///   plus the cache's own bookkeeping); 0 caches nothing. An entry for a browser's user agent of about
    ///   100 bytes is charged about 450, so the default 1 MiB keeps some 2 300 distinct user agents.
    public init(cacheBytes: Int = 1 << 20) {
        precondition(cacheBytes >= 0, "a cache budget cannot be negative")
        cache = Mutex(BoundedCache(budget: cacheBytes))
    }

    /// The device `userAgent` describes, corrected by `hints` where they speak (see `refined(by:)`).
    /// Never fails: an empty or unrecognised user agent is `.unknown` on "Other" with "Other".
    public func parse(userAgent: String, hints: ClientHints? = nil) -> Device {
        let key = Key(userAgent: UserAgentText.prefix(userAgent), hints: hints.flatMap { $0.isEmpty ? nil : $0 })
        // Results never go stale (the rules are compiled in), so entries never expire: time stands at 0.
        if let cached = cache.withLock({ $0.value(forKey: key, now: 0) }) { return cached }
        // Parsed outside the lock (tens of microseconds): two misses racing on one user agent both parse.
        let device = Self.device(parsing: key.userAgent, hints: key.hints)
        let bytes = HeapBytes.string(key.userAgent) + HeapBytes.string(key.hints?.platform) + HeapBytes.string(device.os)
            + HeapBytes.string(device.osVersion) + HeapBytes.string(device.browser) + HeapBytes.string(device.browserVersion)
        cache.withLock { _ = $0.insert(device, forKey: key, bytes: bytes, expiresAt: .max, now: 0) }
        return device
    }

    /// The entries and bytes the cache holds now, for tests and metrics.
    var cacheUsage: (count: Int, bytes: Int, budget: Int) {
        cache.withLock { ($0.count, $0.byteCount, $0.budget) }
    }

    /// The uncached parse: clean the text, run uap-core's lists, classify, then let the hints correct it.
    /// The rules are decoded on the first parse of the process, not when a parser is made.
    static func device(parsing prefix: String, hints: ClientHints?) -> Device {
        let text = UserAgentText.cleaned(prefix)
        let lowered = UserAgentText.lowered(text)
        let uap = UAPCoreParser.shared.parse(text, lowered: lowered)
        var device = Device(
            type: DeviceClassifier.type(userAgent: text, lowered: lowered, uap: uap), os: displayName(os: uap.os.family),
            osVersion: uap.os.version, browser: uap.browser.family, browserVersion: uap.browser.version)
        if let hints { device = device.refined(by: hints, userAgent: text) }
        return device
    }

    /// uap-core's OS family as shown: "Mac OS X" is "macOS", every other name as uap-core has it.
    static func displayName(os family: String) -> String {
        family == "Mac OS X" ? "macOS" : family
    }
}
