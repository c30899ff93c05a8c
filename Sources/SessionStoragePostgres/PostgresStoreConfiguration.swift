import Foundation
public import SessionStorage

/// Where the PostgreSQL store connects and how: parsed once, at the edge, from a
/// `postgres://user:pass@host:port/db?sslmode=…&pool_size=…` URL.
///
/// The password is kept for the connection only: `description`, `redactedURL` and every error this
/// type throws leave it out, so a start-up banner or a refused URL in a log never shows it.
public struct PostgresStoreConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// How the connection is protected, with libpq's names for the modes Tessera supports.
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        /// Plain TCP: a loopback or otherwise private network only.
        case disable
        /// TLS, without checking the server's certificate (protects against a passive eavesdropper only).
        case require
        /// TLS, the certificate checked against the system's roots (or `sslrootcert`) and the host name.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// A PEM file of the roots that `verify-full` trusts instead of the system's.
    public var rootCertificatePath: String?
    /// The most connections the pool opens.
    public var poolSize: Int
    /// Milliseconds a statement may run before the server cancels it (0: no limit).
    public var statementTimeout: Int64
    /// Milliseconds a connection may sit idle inside a transaction before the server ends it (0: no limit).
    public var idleInTransactionTimeout: Int64
    /// Seconds to open a connection (libpq's `connect_timeout`); the store's first use waits no longer for an unreachable server.
    public var connectTimeout: Int

    public static let defaultPort = 5432
    public static let defaultPoolSize = 10
    public static let poolSizes = 1...1000
    public static let defaultStatementTimeout: Int64 = 30_000
    public static let defaultIdleInTransactionTimeout: Int64 = 60_000
    /// A day: a longer timeout is a typo, not a setting.
    public static let timeouts: ClosedRange<Int64> = 0...86_400_000
    public static let defaultConnectTimeout = 10
    public static let connectTimeouts = 1...300

    public init(
        host: String, port: Int = defaultPort, username: String, password: String? = nil, database: String, tls: TLSMode = .verifyFull,
        rootCertificatePath: String? = nil, poolSize: Int = defaultPoolSize, statementTimeout: Int64 = defaultStatementTimeout,
        idleInTransactionTimeout: Int64 = defaultIdleInTransactionTimeout, connectTimeout: Int = defaultConnectTimeout
    ) {
        self.connectTimeout = connectTimeout
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.rootCertificatePath = rootCertificatePath
        self.poolSize = poolSize
        self.statementTimeout = statementTimeout
        self.idleInTransactionTimeout = idleInTransactionTimeout
    }

    /// Whether `text` names a PostgreSQL database rather than a SQLite file: a `postgres://` or
    /// `postgresql://` URL (any letter case of the scheme).
    public static func isURL(_ text: String) -> Bool {
        let lower = text.prefix(14).lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }

    /// Parses a URL. Without `sslmode` the connection is `verify-full`: a URL copied without its
    /// options never sends a password in clear. Errors name the part that is wrong, never its value
    /// when that part is the password.
    public init(url text: String) throws(StorageError) {
        guard Self.isURL(text) else { throw Self.invalid("the URL must start with postgres:// or postgresql://") }
        guard StoredText.isClean(text), !text.contains(" ") else { throw Self.invalid("the URL holds a space or a control character") }
        guard let components = URLComponents(string: text) else { throw Self.invalid("the URL cannot be parsed") }
        guard let host = components.host, !host.isEmpty else { throw Self.invalid("the URL names no host") }
        guard let username = components.user, !username.isEmpty else { throw Self.invalid("the URL names no user") }
        let path = components.path
        let database = path.hasPrefix("/") ? String(path.dropFirst()) : path
        guard !database.isEmpty, !database.contains("/") else { throw Self.invalid("the URL names no database (postgres://user@host/database)") }
        var configuration = PostgresStoreConfiguration(
            host: host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host, username: username,
            password: components.password, database: database)
        if let port = components.port {
            guard (1...65535).contains(port) else { throw Self.invalid("the port must be 1 to 65535") }
            configuration.port = port
        }
        var seen: Set<String> = []
        for item in components.queryItems ?? [] {
            // An unknown name is not echoed: a mangled URL can put anything there, the password included.
            guard Self.options.contains(item.name) else { throw Self.invalid("unknown option (known: \(Self.options.joined(separator: ", ")))") }
            guard seen.insert(item.name).inserted else { throw Self.invalid("the option \(item.name) is given twice") }
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else { throw Self.invalid("sslmode must be disable, require or verify-full") }
                configuration.tls = mode
            case "sslrootcert":
                guard !value.isEmpty else { throw Self.invalid("sslrootcert names no file") }
                configuration.rootCertificatePath = value
            case "pool_size":
                guard let size = Int(value), Self.poolSizes.contains(size) else {
                    throw Self.invalid("pool_size must be a whole number from \(Self.poolSizes.lowerBound) to \(Self.poolSizes.upperBound)")
                }
                configuration.poolSize = size
            case "statement_timeout":
                configuration.statementTimeout = try Self.milliseconds(item.name, value)
            case "idle_in_transaction_session_timeout":
                configuration.idleInTransactionTimeout = try Self.milliseconds(item.name, value)
            default:
                guard let seconds = Int(value), Self.connectTimeouts.contains(seconds), value.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
                    throw Self.invalid("connect_timeout must be seconds from \(Self.connectTimeouts.lowerBound) to \(Self.connectTimeouts.upperBound)")
                }
                configuration.connectTimeout = seconds
            }
        }
        if configuration.rootCertificatePath != nil, configuration.tls != .verifyFull {
            throw Self.invalid("sslrootcert goes with sslmode=verify-full")
        }
        self = configuration
    }

    /// Digits only (no sign, no unit), within `timeouts`.
    private static func milliseconds(_ name: String, _ value: String) throws(StorageError) -> Int64 {
        guard !value.isEmpty, value.utf8.count <= 9, value.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let number = Int64(value),
            timeouts.contains(number)
        else { throw invalid("\(name) must be milliseconds from 0 to \(timeouts.upperBound)") }
        return number
    }

    static let options = ["sslmode", "sslrootcert", "pool_size", "statement_timeout", "idle_in_transaction_session_timeout", "connect_timeout"]

    private static func invalid(_ reason: String) -> StorageError {
        StorageError(.constraint, "invalid PostgreSQL URL: \(reason)")
    }

    /// The URL with the password replaced by `***`: what a banner or a log line may show.
    public var redactedURL: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = username
        components.host = host.contains(":") ? "[\(host)]" : host
        components.port = port
        components.path = "/" + database
        var items = [URLQueryItem(name: "sslmode", value: tls.rawValue)]
        if let rootCertificatePath { items.append(URLQueryItem(name: "sslrootcert", value: rootCertificatePath)) }
        items.append(URLQueryItem(name: "pool_size", value: String(poolSize)))
        items.append(URLQueryItem(name: "statement_timeout", value: String(statementTimeout)))
        items.append(URLQueryItem(name: "idle_in_transaction_session_timeout", value: String(idleInTransactionTimeout)))
        items.append(URLQueryItem(name: "connect_timeout", value: String(connectTimeout)))
        components.queryItems = items
        let text = components.string ?? "postgres://\(host)/\(database)"
        guard password != nil, let at = text.firstIndex(of: "@") else { return text }
        return String(text[..<at]) + ":***" + String(text[at...])
    }

    public var description: String { redactedURL }

    /// The same server and settings, another database (tests create one each).
    public func with(database: String) -> PostgresStoreConfiguration {
        var copy = self
        copy.database = database
        return copy
    }
}
