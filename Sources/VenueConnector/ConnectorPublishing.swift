public import EventBus
public import Logging
public import VenueBridgeCore

extension EventSink {
    /// How a connector publishes: a publisher that is shutting down ends the session (as
    /// cancellation, so the supervisor stops instead of reconnecting); any other failure is logged
    /// and the stream goes on, since the publisher has already counted it.
    public func publishFromConnector(_ event: NormalizedEvent, logger: Logger) async throws {
        do {
            try await publish(event)
        } catch .shuttingDown {
            throw CancellationError()
        } catch {
            logger.error("event not published", metadata: ["venue": "\(event.venue)", "type": "\(event.type.rawValue)", "error": "\(error)"])
        }
    }
}
