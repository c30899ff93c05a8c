public import HummingbirdCore
import NIOCore

/// How long a connection may keep the server waiting.
///
/// Hummingbird's idle timeout closes a connection that has sent nothing the HTTP decoder could
/// turn into a request part for `idle`; on its own it leaves a silent or half-sent request open that
/// long. The header timeout closes a connection whose request head has not fully arrived within
/// `header` of connecting or of the previous response, however it trickles in (slowloris).
public struct ConnectionTimeouts: Sendable, Hashable {
    /// Seconds without a request part while a request is being read, or with nothing in flight.
    public var idleSeconds: Int
    /// Seconds for a complete request head, from the connection or from the previous response. A
    /// keep-alive connection waiting for its next request is bounded by this too.
    public var headerSeconds: Int

    public static let idleRange = 1...3600
    public static let headerRange = 1...600

    public init(idleSeconds: Int = 60, headerSeconds: Int = 10) {
        self.idleSeconds = idleSeconds
        self.headerSeconds = headerSeconds
    }

    /// The HTTP/1.1 server with both timeouts in its pipeline: `Application(router:server:)`.
    public var http1: HTTPServerBuilder {
        let header = TimeAmount.seconds(Int64(headerSeconds))
        return .http1(
            configuration: HTTP1Channel.Configuration(
                additionalChannelHandlers: [HeaderTimeoutHandler(timeout: header)], idleTimeout: .seconds(Int64(idleSeconds))))
    }
}
