import CFuzzDriver
import FuzzHarnesses

#if canImport(Glibc)
    import Glibc
#endif

// The libFuzzer runner (scripts/fuzz): one binary for every harness; VB_FUZZ_TARGET names the one
// this run drives (`FuzzHarness.targets`). Whichever `main` the link keeps — libFuzzer's, or
// SwiftPM's `vb_fuzz_main` for an executable target — the same three entry points are used.

/// Chosen once before the first input; read-only after.
nonisolated(unsafe) private var harness: (@Sendable ([UInt8]) -> Void)?

private func chooseHarness() -> Bool {
    guard let raw = getenv("VB_FUZZ_TARGET"), let run = FuzzHarness.target(named: String(cString: raw)) else {
        print("vb-fuzz: set VB_FUZZ_TARGET to one of: \(FuzzHarness.targets.map(\.name).joined(separator: ", "))")
        return false
    }
    harness = run
    return true
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> Int32 {
    if !chooseHarness() { exit(2) }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    harness?(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

@_cdecl("vb_fuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzerTestOneInput(data, size) }
}
