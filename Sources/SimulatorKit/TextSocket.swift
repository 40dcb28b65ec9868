public import HummingbirdWebSocket
public import NIOCore

extension SimConnection where Frame == String {
    /// Serves one JSON-text socket until it closes for any reason: the venue's queued frames go
    /// out in order (when the venue finishes the queue — a refused login, an expired session — the
    /// last one is written and then the socket closes), text frames in go to `receive`, binary
    /// frames are counted as malformed. `watch`, when given, runs alongside (a venue's own
    /// deadline, e.g. FI's 30 s challenge window) and is cancelled with the socket.
    public func serveText(
        channel: any Channel, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter,
        counters: SocketCounters, maxFrameSize: Int, receive: @escaping @Sendable (String) async -> Void,
        watch: (@Sendable () async -> Void)? = nil
    ) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await self.writeFrames(to: outbound, counters: counters) { $0 }
                try? await outbound.close(.normalClosure, reason: nil)
                channel.close(mode: .all, promise: nil)
            }
            if let watch { group.addTask { await watch() } }
            do {
                for try await message in inbound.messages(maxSize: maxFrameSize) {
                    counters.framesIn.add(1, ordering: .relaxed)
                    switch message {
                    case .text(let text): await receive(text)
                    case .binary: counters.malformedFramesIn.add(1, ordering: .relaxed)
                    }
                }
            } catch {}
            group.cancelAll()
        }
    }
}
