import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP answer, as the follower needs it.
public struct VerifierHTTPResponse: Sendable {
    public var status: Int
    /// Header names in lower case.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// How `VerifierSync` reaches the server: plain HTTP GETs. Swappable so tests can play a server
/// (and a service can bring its own client).
public protocol VerifierTransport: Sendable {
    func get(_ url: String, headers: [String: String], timeout: Duration) async throws -> VerifierHTTPResponse
}

/// The default transport: Foundation's `URLSession` (libcurl on Linux), with connections kept alive.
public struct URLSessionVerifierTransport: VerifierTransport {
    let session: URLSession

    public init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpMaximumConnectionsPerHost = 4
        session = URLSession(configuration: configuration)
    }

    public func get(_ url: String, headers: [String: String], timeout: Duration) async throws -> VerifierHTTPResponse {
        guard let target = URL(string: url) else { throw VerificationError(.syncFailed, "invalid URL \(url)") }
        var request = URLRequest(url: target)
        request.timeoutInterval = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw VerificationError(.syncFailed, "not an HTTP response from \(url)") }
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { fields[name.lowercased()] = value }
        }
        return VerifierHTTPResponse(status: http.statusCode, headers: fields, body: Array(data))
    }
}
