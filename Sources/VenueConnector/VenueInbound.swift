import HummingbirdWSClient
public import NIOCore

/// The venue's frames as an async sequence, counted and timed, whatever carries them: a WebSocket
/// in production, an in-memory queue in a session driver's unit tests.
public struct VenueInbound: AsyncSequence, Sendable {
    public typealias Element = VenueFrame

    enum Source: Sendable {
        case webSocket(WebSocketInboundStream, maxSize: Int)
        case memory(AsyncThrowingStream<VenueFrame, any Error>)
    }

    let source: Source
    let activity: InboundFrameActivity
    let metrics: VenueConnectorMetrics

    init(
        webSocket stream: WebSocketInboundStream, maxSize: Int, activity: InboundFrameActivity,
        metrics: VenueConnectorMetrics
    ) {
        source = .webSocket(stream, maxSize: maxSize)
        self.activity = activity
        self.metrics = metrics
    }

    init(
        memory stream: AsyncThrowingStream<VenueFrame, any Error>, activity: InboundFrameActivity,
        metrics: VenueConnectorMetrics
    ) {
        source = .memory(stream)
        self.activity = activity
        self.metrics = metrics
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        enum Frames {
            case webSocket(WebSocketInboundMessageStream.AsyncIterator)
            case memory(AsyncThrowingStream<VenueFrame, any Error>.AsyncIterator)
        }

        var frames: Frames
        let activity: InboundFrameActivity
        let metrics: VenueConnectorMetrics

        public mutating func next() async throws -> VenueFrame? {
            let frame: VenueFrame?
            switch frames {
            case .webSocket(var messages):
                let message = try await messages.next()
                frames = .webSocket(messages)
                switch message {
                case .text(let text)?: frame = .text(text)
                case .binary(let buffer)?: frame = .binary(buffer)
                case nil: frame = nil
                }
            case .memory(var queue):
                frame = try await queue.next()
                frames = .memory(queue)
            }
            guard let frame else { return nil }
            activity.touch()
            metrics.framesIn.increment()
            return frame
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        let frames: AsyncIterator.Frames =
            switch source {
            case .webSocket(let stream, let maxSize): .webSocket(stream.messages(maxSize: maxSize).makeAsyncIterator())
            case .memory(let stream): .memory(stream.makeAsyncIterator())
            }
        return AsyncIterator(frames: frames, activity: activity, metrics: metrics)
    }
}

/// The sending half of a link, counted in the venue's metrics.
public struct VenueLinkWriter: Sendable {
    let metrics: VenueConnectorMetrics
    let write: @Sendable (VenueFrame) async throws -> Void

    init(metrics: VenueConnectorMetrics, write: @escaping @Sendable (VenueFrame) async throws -> Void) {
        self.metrics = metrics
        self.write = write
    }

    public func send(text: String) async throws {
        try await write(.text(text))
        metrics.framesOut.increment()
    }

    public func send(binary: ByteBuffer) async throws {
        try await write(.binary(binary))
        metrics.framesOut.increment()
    }
}
