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
        let maxSize: Int
        let activity: InboundFrameActivity
        let metrics: VenueConnectorMetrics

        public mutating func next() async throws -> VenueFrame? {
            let frame: VenueFrame?
            switch frames {
            case .webSocket(var messages):
                let message = try await messages.next()
                frames = .webSocket(messages)
                let bytes: Int
                switch message {
                case .text(let text)?:
                    frame = .text(text)
                    bytes = text.utf8.count
                case .binary(let buffer)?:
                    frame = .binary(buffer)
                    bytes = buffer.readableBytes
                case nil:
                    frame = nil
                    bytes = 0
                }
                if bytes > maxSize {
                    let tooLarge = VenueLinkError.frameTooLarge(bytes: bytes, limit: maxSize)
                    metrics.decodeError(kind: tooLarge.kind)
                    throw tooLarge
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
        switch source {
        case .webSocket(let stream, let maxSize):
            let messages = stream.messages(maxSize: Self.transportLimit(maxSize)).makeAsyncIterator()
            return AsyncIterator(frames: .webSocket(messages), maxSize: maxSize, activity: activity, metrics: metrics)
        case .memory(let stream):
            return AsyncIterator(
                frames: .memory(stream.makeAsyncIterator()), maxSize: .max, activity: activity, metrics: metrics)
        }
    }

    /// The WebSocket layer's own limit for a link whose messages may be `maxSize` bytes: above
    /// ours, so that an oversized message reaches our check and its clear error (VenueLink).
    /// Capped where NIO's frame decoder caps it (a frame length it can hold).
    static func transportLimit(_ maxSize: Int) -> Int {
        let cap = Int(Int32.max)
        return maxSize >= cap / 2 ? cap : maxSize * 2
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
