public import SessionCrypto
public import SessionStorage
public import SessionTokens

/// One tenant as every process sees it: the instance, its issuer and its signing keys opened for
/// use, with the schedule that says which key signs and which are published at a given instant.
/// Immutable: a rotation (from this process or another) replaces the whole value.
public final class TenantKeys: Sendable {
    /// One key and where it stands in the schedule (Unix milliseconds).
    public struct ScheduledKey: Sendable {
        public let key: SigningKey
        public let generation: Int64
        public let createdAt: Int64
        /// When it starts signing.
        public let activatesAt: Int64
        /// When the next generation takes over; `nil` while none is scheduled.
        public let retiresAt: Int64?
        /// When every token it could have signed has expired, so it leaves the JWKS.
        public let publishedUntil: Int64?

        public var keyID: String { key.keyID ?? "" }

        public enum State: String, Sendable { case pending, active, retired }

        public func state(at now: Int64) -> State {
            if now < activatesAt { return .pending }
            if let retiresAt, now >= retiresAt { return .retired }
            return .active
        }
    }

    public let instance: Instance
    /// `iss` of every token of this tenant.
    public let issuer: String
    public let algorithm: JWSAlgorithm
    /// By generation, oldest first; never empty.
    public let keys: [ScheduledKey]

    /// - Parameter tokenSpan: how long (ms) a token signed just before a key retires may still be
    ///   valid, leeway included: the longest token lifetime the policy allows.
    init(instance: Instance, issuer: String, algorithm: JWSAlgorithm, keys: [(SigningKey, SigningKeyRecord)], tokenSpan: Int64) {
        self.instance = instance
        self.issuer = issuer
        self.algorithm = algorithm
        var scheduled: [ScheduledKey] = []
        for (index, (key, record)) in keys.enumerated() {
            let next = index + 1 < keys.count ? keys[index + 1].1.activatesAt : nil
            scheduled.append(ScheduledKey(
                key: key, generation: record.generation, createdAt: record.createdAt, activatesAt: record.activatesAt, retiresAt: next,
                publishedUntil: next.map { $0.addingReportingOverflow(tokenSpan).overflow ? Int64.max : $0 + tokenSpan }))
        }
        self.keys = scheduled
    }

    /// The key that signs at `now`: the newest one already active. The first key is active from
    /// its creation, so there is always one.
    public func signer(at now: Int64) -> SigningKey {
        keys.last { $0.activatesAt <= now }?.key ?? keys[0].key
    }

    /// Keys a verifier may meet at `now`: every key until every token it signed has expired,
    /// pending ones included (they are published before they sign).
    public func published(at now: Int64) -> [ScheduledKey] {
        keys.filter { $0.publishedUntil.map { now < $0 } ?? true }
    }

    /// The JWKS at `now`: the signing key first, then pending, then retired ones.
    public func jwks(at now: Int64) -> JWKS {
        let published = published(at: now)
        let signing = signer(at: now).keyID
        let ordered = published.filter { $0.keyID == signing } + published.filter { $0.keyID != signing }.reversed()
        return JWKS(keys: ordered.compactMap(\.key.verificationKey.publicJWK))
    }

    /// Seconds a JWKS served at `now` may be cached: at most `maximum`, and never past the moment
    /// the published set changes (a retired key leaving it). A new key is published at least
    /// `maximum` seconds before it signs, so a copy cached for this long never misses a signing key.
    public func jwksMaxAge(at now: Int64, maximum: Int64) -> Int64 {
        let nextChange = keys.compactMap(\.publishedUntil).filter { $0 > now }.min()
        guard let nextChange else { return maximum }
        return max(0, min(maximum, (nextChange - now) / 1000))
    }

    /// Every key that verifies this tenant's tokens.
    public var verificationKeys: [VerificationKey] { keys.map(\.key.verificationKey) }
}
