import FuzzHarnesses

#if canImport(Glibc)
    import Glibc
#endif

// The libFuzzer entry points (scripts/fuzz). One binary for every harness: VB_FUZZ_TARGET names
// the one this run drives (`FuzzHarness.targets`).

/// Chosen once in `LLVMFuzzerInitialize`, before any input; read-only after.
nonisolated(unsafe) private var harness: (@Sendable ([UInt8]) -> Void)?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> Int32 {
    let names = FuzzHarness.targets.map(\.name).joined(separator: ", ")
    guard let raw = getenv("VB_FUZZ_TARGET"), let run = FuzzHarness.target(named: String(cString: raw)) else {
        fatalError("set VB_FUZZ_TARGET to one of: \(names)")
    }
    harness = run
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    harness?(bytes)
    return 0
}
