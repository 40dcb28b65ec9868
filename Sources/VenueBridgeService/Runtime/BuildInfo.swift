import Foundation
public import Metrics

/// What this binary is: `venue-bridge --version` and the `vb_build_info` metric (a gauge at 1
/// whose labels say the version and commit, so a dashboard can show what runs where).
public enum BuildInfo {
    /// The release version; the Helm chart's `appVersion` names the same one.
    public static let version = "0.1.0"

    /// The commit the image was built from: the image sets `VB_BUILD_COMMIT` (Dockerfile build
    /// argument); "unknown" for a binary built without it.
    public static var commit: String {
        let value = ProcessInfo.processInfo.environment["VB_BUILD_COMMIT"] ?? ""
        return value.isEmpty ? "unknown" : value
    }

    /// `venue-bridge --version`.
    public static var description: String { "venue-bridge \(version) (commit \(commit))" }

    /// Sets `vb_build_info{version,commit}` to 1.
    public static func record(factory: any MetricsFactory = MetricsSystem.factory) {
        Gauge(label: "vb_build_info", dimensions: [("version", version), ("commit", commit)], factory: factory)
            .record(1)
    }
}
