import Synchronization

/// Request budgets by key (a client address, a session, a secret key's id), shared by the user side and `/v1`:
/// `capacity` requests per `window`, either as a token bucket (`.continuous`: a burst of `capacity`, refilled
/// continuously, so one request is free again after `window / capacity`) or as a fixed window per key (`.window`: the
/// key's window opens at its first request and holds `capacity` requests; the refusal says when it closes).
/// Bounded: at most `maximumKeys` buckets, and when full, buckets that have refilled completely or whose window has
/// closed (they hold no information) are dropped first, then the oldest ones.
/// Time is passed in (milliseconds on any monotonic scale), so tests need no clock.
final class RateLimiter: Sendable {
    enum Refill: Sendable {
        /// A token bucket: smooth, for a browser's bursts (the user side).
        case continuous
        /// A fixed window per key: exactly `capacity` requests from the window's first, as Clerk's "N requests per
        /// 10 seconds" reads (`/v1`).
        case window
    }

    struct Verdict: Sendable, Equatable {
        var allowed: Bool
        /// Whole seconds until a request would be allowed (0 when allowed).
        var retryAfter: Int
    }

    private struct Bucket {
        /// `.continuous`: tokens left, in thousandths of a request, so refills stay integer.
        /// `.window`: requests taken in the window.
        var tokens: Int64
        /// `.continuous`: the last refill. `.window`: when the window opened.
        var updatedAt: Int64
    }

    let capacity: Int64
    let window: Int64
    let maximumKeys: Int
    let refill: Refill
    private let buckets = Mutex<[String: Bucket]>([:])

    /// - Parameters:
    ///   - capacity: requests allowed in a burst and per `window`.
    ///   - window: milliseconds.
    init(capacity: Int64, window: Int64, maximumKeys: Int = 100_000, refill: Refill = .continuous) {
        precondition(capacity > 0 && window > 0 && maximumKeys > 0)
        self.capacity = capacity
        self.window = window
        self.maximumKeys = maximumKeys
        self.refill = refill
    }

    /// Takes one request from `key`'s budget at `now`, if it has one.
    func take(_ key: String, now: Int64) -> Verdict {
        refill == .window ? takeFromWindow(key, now: now) : takeFromBucket(key, now: now)
    }

    private func takeFromWindow(_ key: String, now: Int64) -> Verdict {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: 0, updatedAt: now)
            // A closed window opens anew; a clock read out of order (now before the window opened) stays in it.
            if now - bucket.updatedAt >= window { bucket = Bucket(tokens: 0, updatedAt: now) }
            guard bucket.tokens < capacity else {
                // Until the window closes, in whole seconds rounded up: never 0, never more than the window.
                let wait = min(window, max(1, bucket.updatedAt + window - now))
                return Verdict(allowed: false, retryAfter: Int(max(1, (wait + 999) / 1000)))
            }
            bucket.tokens += 1
            if buckets[key] == nil, buckets.count >= maximumKeys { Self.evict(&buckets, now: now, window: window, keep: maximumKeys / 2) }
            buckets[key] = bucket
            return Verdict(allowed: true, retryAfter: 0)
        }
    }

    private func takeFromBucket(_ key: String, now: Int64) -> Verdict {
        let full = capacity * 1000
        return buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: full, updatedAt: now)
            // Refill for the time elapsed (never negative: a clock read out of order refills nothing).
            let elapsed = max(0, min(now - bucket.updatedAt, window))
            bucket.tokens = min(full, bucket.tokens + elapsed * full / window)
            bucket.updatedAt = max(bucket.updatedAt, now)
            guard bucket.tokens >= 1000 else {
                buckets[key] = bucket
                // Milliseconds until one whole request has refilled, rounded up to seconds.
                let missing = 1000 - bucket.tokens
                let wait = (missing * window + full - 1) / full
                return Verdict(allowed: false, retryAfter: Int(max(1, (wait + 999) / 1000)))
            }
            bucket.tokens -= 1000
            if buckets[key] == nil, buckets.count >= maximumKeys { Self.evict(&buckets, now: now, window: window, keep: maximumKeys / 2) }
            buckets[key] = bucket
            return Verdict(allowed: true, retryAfter: 0)
        }
    }

    /// Drops the buckets that have refilled (or whose window has closed) by `now`, then, if still too many, the least
    /// recently used.
    private static func evict(_ buckets: inout [String: Bucket], now: Int64, window: Int64, keep: Int) {
        buckets = buckets.filter { now - $0.value.updatedAt < window }
        guard buckets.count > keep else { return }
        let kept = buckets.sorted { $0.value.updatedAt > $1.value.updatedAt }.prefix(keep)
        buckets = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
    }

    var count: Int { buckets.withLock { $0.count } }
}
