import Dispatch
import Foundation

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
