import NIOCore
import NIOHTTPTypes

/// Closes a connection whose request head has not fully arrived within `timeout` of connecting or
/// of the previous response.
///
/// It sits after the HTTP decoder, so it sees a head only once the decoder has all of it: bytes
/// trickling in (a slowloris) never count as progress. The clock stops while a request is in
/// flight; Hummingbird's idle timeout covers a stalled body.
final class HeaderTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let timeout: TimeAmount
    /// Heads read and not yet answered (more than one when requests are pipelined).
    private var unanswered = 0
    /// When the connection last had nothing to answer (connected, or sent its last response end);
    /// `nil` while a request is in flight.
    private var idleSince: NIODeadline?
    /// At most one check is scheduled per connection. A request moves `idleSince` instead of
    /// cancelling and rescheduling a task: one clock read per request, not two heap operations.
    private var check: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { becameIdle(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    func channelActive(context: ChannelHandlerContext) {
        becameIdle(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            unanswered += 1
            idleSince = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            unanswered = max(0, unanswered - 1)
            if unanswered == 0 { becameIdle(context) }
        }
        context.write(data, promise: promise)
    }

    private func becameIdle(_ context: ChannelHandlerContext) {
        idleSince = context.eventLoop.now
        if check == nil { schedule(context, at: idleSince! + timeout) }
    }

    private func schedule(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        check = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            check = nil
            // A request in flight: the next response end schedules the next check.
            guard unanswered == 0, let idleSince else { return }
            let due = idleSince + timeout
            if context.eventLoop.now >= due {
                context.close(promise: nil)
            } else {
                schedule(context, at: due)
            }
        }
    }

    private func stop() {
        check?.cancel()
        check = nil
    }
}

@available(*, unavailable)
extension HeaderTimeoutHandler: Sendable {}
