import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
@testable import SessionServer
import Testing

/// The header-read timeout on an embedded channel with a hand-moved clock: a connection is closed
/// when no complete request head arrives within the timeout of connecting or of the last response,
/// and never while a request is in flight.
@Suite struct HeaderTimeoutTests {
    static func connected() throws -> (EmbeddedEventLoop, EmbeddedChannel) {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(handler: HeaderTimeoutHandler(timeout: .seconds(10)), loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080)).wait()
        return (loop, channel)
    }

    static let head = HTTPRequestPart.head(HTTPRequest(method: .get, scheme: nil, authority: "tessera", path: "/health"))

    @Test func aSilentConnectionIsClosedAtTheTimeout() throws {
        let (loop, channel) = try Self.connected()
        loop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }

    @Test func aRequestInFlightIsNotCutAndTheClockRestartsAfterTheResponse() throws {
        let (loop, channel) = try Self.connected()
        loop.advanceTime(by: .seconds(5))
        try channel.writeInbound(Self.head)
        try channel.writeInbound(HTTPRequestPart.end(nil))
        loop.advanceTime(by: .seconds(60))
        #expect(channel.isActive, "the request is being answered: the header clock is stopped")
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        loop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive, "no next request head within 10 s of the response")
    }

    @Test func pipelinedRequestsKeepTheClockStoppedUntilTheLastResponse() throws {
        let (loop, channel) = try Self.connected()
        try channel.writeInbound(Self.head)
        try channel.writeInbound(HTTPRequestPart.end(nil))
        try channel.writeInbound(Self.head)
        try channel.writeInbound(HTTPRequestPart.end(nil))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        loop.advanceTime(by: .seconds(30))
        #expect(channel.isActive, "one request still unanswered")
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        loop.advanceTime(by: .seconds(10))
        #expect(!channel.isActive)
    }

    @Test func defaultsAndRangesAreSane() {
        let timeouts = ConnectionTimeouts()
        #expect(timeouts.idleSeconds == 60 && timeouts.headerSeconds == 10)
        #expect(ConnectionTimeouts.headerRange.contains(timeouts.headerSeconds) && ConnectionTimeouts.idleRange.contains(timeouts.idleSeconds))
    }
}
