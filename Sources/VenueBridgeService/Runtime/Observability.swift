public import Logging
import Metrics
public import Prometheus
import Synchronization

/// Process-wide logging and metrics. swift-log and swift-metrics allow one bootstrap per process.
public enum Observability {
    private static let bootstrapped = Mutex<PrometheusCollectorRegistry?>(nil)

    /// Bootstraps logging (text or JSON, at `level`) and Prometheus metrics; returns the registry
    /// that `/metrics` renders. Later calls return the first registry.
    @discardableResult
    public static func bootstrap(level: Logger.Level, format: BridgeConfig.Log.Format) -> PrometheusCollectorRegistry {
        bootstrapped.withLock { registry in
            if let registry { return registry }
            LoggingSystem.bootstrap { label in
                switch format {
                case .json:
                    return JSONLogHandler(label: label, level: level)
                case .text:
                    return TextLogHandler(level: level)
                }
            }
            let created = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: created)
            // Delivery latencies live between ~1 ms and seconds.
            factory.defaultDurationHistogramBuckets = [
                .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                .seconds(2.5), .seconds(5), .seconds(10),
            ]
            MetricsSystem.bootstrap(factory)
            BuildInfo.record()
            registry = created
            return created
        }
    }
}
