/// A session: one sign-in of one user on one client.
///
/// `status` is what was stored; `effectiveStatus(at:)` is what it is now. A session whose
/// `expireAt` or `abandonAt` has passed reads as `expired` or `abandoned` without any background
/// job having to be on time (a sweeper may persist that later).
public struct Session: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case active, revoked, ended, expired, removed, abandoned, replaced, pending
    }

    /// Where the session was opened or last active, when known: the client's address (canonical
    /// text), user agent, the device parsed from it, and the location.
    public struct Activity: Sendable, Hashable {
        public var userAgent: String?
        public var ipAddress: String?
        /// `desktop`, `mobile`, `tablet`, `bot` or `unknown`.
        public var deviceType: String?
        public var isMobile: Bool
        public var browserName: String?
        public var browserVersion: String?
        /// The operating system's family, as uap-core names it.
        public var osName: String?
        public var city: String?
        /// ISO 3166-1 alpha-2.
        public var country: String?

        /// The device type and operating system family (`desktop/Mac OS X`), when both are known:
        /// a browser update keeps it, another machine usually does not.
        public var deviceFamily: String? {
            guard let type = deviceType, type != "unknown", let os = osName, os != "Other" else { return nil }
            return type + "/" + os
        }

        public init(
            userAgent: String? = nil, ipAddress: String? = nil, deviceType: String? = nil, isMobile: Bool = false,
            browserName: String? = nil, browserVersion: String? = nil, osName: String? = nil, city: String? = nil, country: String? = nil
        ) {
            self.osName = osName
            self.userAgent = userAgent
            self.ipAddress = ipAddress
            self.deviceType = deviceType
            self.isMobile = isMobile
            self.browserName = browserName
            self.browserVersion = browserVersion
            self.city = city
            self.country = country
        }
    }

    public var id: String
    public var instanceID: String
    public var userID: String
    public var clientID: String
    public var status: Status
    /// The impersonator as a JSON object text (`{"sub":"user_…"}`), when impersonated.
    public var actor: String?
    public var lastActiveOrganizationID: String?
    /// Unix milliseconds, all of them.
    public var lastActiveAt: Int64
    public var expireAt: Int64
    public var abandonAt: Int64
    public var createdAt: Int64
    public var updatedAt: Int64
    public var activity: Activity?
    /// How the user signed in (`password`, `oauth_google`, `backend_api`, …), when known.
    public var authMethod: String?
    /// Whether a second factor was verified for this session.
    public var mfaVerified: Bool
    /// No token minted for the session expires after this instant (Unix milliseconds): a mint whose
    /// token would outlive it first moves it, in the store, while the session is still active. A
    /// revocation entry need only be kept until `min(expireAt, tokenHorizon)` plus the verifiers'
    /// leeway, not until the session's end (Decision 0012). Defaults to `expireAt`, which is always safe.
    public var tokenHorizon: Int64
    /// Activity came from another country or another device family than the session was opened
    /// with (an `auth.session_anomaly` event says which).
    public var anomalous: Bool
    /// The country and device family (`Activity.deviceFamily`) the session was opened with, when
    /// known: what later activity is compared with.
    public var openedCountry: String?
    public var openedDevice: String?

    public init(
        id: String, instanceID: String, userID: String, clientID: String, status: Status = .active, actor: String? = nil,
        lastActiveOrganizationID: String? = nil, lastActiveAt: Int64, expireAt: Int64, abandonAt: Int64,
        createdAt: Int64, updatedAt: Int64, activity: Activity? = nil, authMethod: String? = nil, mfaVerified: Bool = false,
        tokenHorizon: Int64? = nil, anomalous: Bool = false, openedCountry: String? = nil, openedDevice: String? = nil
    ) {
        self.anomalous = anomalous
        self.openedCountry = openedCountry
        self.openedDevice = openedDevice
        self.id = id
        self.instanceID = instanceID
        self.userID = userID
        self.clientID = clientID
        self.status = status
        self.actor = actor
        self.lastActiveOrganizationID = lastActiveOrganizationID
        self.lastActiveAt = lastActiveAt
        self.expireAt = expireAt
        self.abandonAt = abandonAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.activity = activity
        self.authMethod = authMethod
        self.mfaVerified = mfaVerified
        self.tokenHorizon = tokenHorizon ?? expireAt
    }

    /// Until when a revocation entry of this session must be kept: no token of it outlives
    /// `min(expireAt, tokenHorizon)`, and verifiers accept one `leeway` milliseconds past its expiry.
    public func revocationRetention(leeway: Int64) -> Int64 {
        let (sum, overflow) = min(expireAt, tokenHorizon).addingReportingOverflow(leeway)
        return overflow ? .max : sum
    }

    /// The status at `now` (Unix milliseconds): an active session past `expireAt` is expired, past
    /// `abandonAt` abandoned (expiry wins when both have passed).
    public func effectiveStatus(at now: Int64) -> Status {
        guard status == .active else { return status }
        if now >= expireAt { return .expired }
        if now >= abandonAt { return .abandoned }
        return .active
    }
}
