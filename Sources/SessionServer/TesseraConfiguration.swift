public import SessionManagement

/// Everything `buildApplication` needs to know, validated once by whoever builds it (the
/// executable from flags and environment, tests directly). Dependencies that are not settings
/// (the store, the key-encryption key, the clock) are given beside it.
public struct TesseraConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var timeouts: ConnectionTimeouts
    public var server: ServerConfiguration
    public var management: ManagementConfiguration
    /// `TESSERA_SECRET_KEY`: the default tenant accepts it (else a key is generated and shown once).
    public var secretKey: String?
    /// `TESSERA_OPERATOR_KEY`: accepted as an operator key (else one is generated and shown once).
    public var operatorKey: String?
    /// Rotate every tenant's signing key this often (ms); off when `nil`.
    public var signingKeyRotationInterval: Int64?
    /// Audit events older than this (ms) are pruned from the oldest end; kept forever when `nil`.
    public var auditRetention: Int64?
    /// Where the data lives, for the start-up banner only.
    public var storeDescription: String

    public init(
        host: String = "127.0.0.1", port: Int = 8080, timeouts: ConnectionTimeouts = ConnectionTimeouts(),
        server: ServerConfiguration = ServerConfiguration(), management: ManagementConfiguration, secretKey: String? = nil,
        operatorKey: String? = nil, signingKeyRotationInterval: Int64? = nil, auditRetention: Int64? = nil, storeDescription: String = "memory"
    ) {
        self.auditRetention = auditRetention
        self.host = host
        self.port = port
        self.timeouts = timeouts
        self.server = server
        self.management = management
        self.secretKey = secretKey
        self.operatorKey = operatorKey
        self.signingKeyRotationInterval = signingKeyRotationInterval
        self.storeDescription = storeDescription
    }
}
