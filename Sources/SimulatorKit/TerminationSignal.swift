import Dispatch
import Foundation
public import Logging

/// Waits for SIGINT or SIGTERM (the default handlers are replaced so the process can stop cleanly).
/// For the stand-alone test processes: `venue-sim` and `venue-bridge mock-kafka`.
public func terminationSignal() async -> Int32 {
    let (signals, continuation) = AsyncStream.makeStream(of: Int32.self)
    var sources: [any DispatchSourceSignal] = []
    for number in [SIGINT, SIGTERM] {
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler { continuation.yield(number) }
        source.resume()
        sources.append(source)
    }
    var received = SIGTERM
    for await number in signals {
        received = number
        break
    }
    sources.forEach { $0.cancel() }
    return received
}

/// The rest of a stand-alone simulator's life once it listens: prints `listening` (the line
/// scripts and compose health checks wait for) on standard output, waits for SIGINT or SIGTERM,
/// then `stop`s it, logging both.
public func serveUntilTerminated(logger: Logger, listening: String, stop: () async -> Void) async {
    FileHandle.standardOutput.write(Data((listening + "\n").utf8))
    let signal = await terminationSignal()
    logger.info("stopping", metadata: ["signal": "\(signal)"])
    await stop()
    logger.info("stopped")
}
