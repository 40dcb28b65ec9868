import CRdKafka
import Foundation

/// Where librdkafka clients are destroyed.
///
/// `rd_kafka_destroy` and `rd_kafka_mock_cluster_destroy` join the client's own threads and can
/// take a second or more. A `deinit` runs on whichever thread drops the last reference, in async
/// code a thread of the cooperative pool, which has only as many threads as cores: two such joins
/// at once stall every task in the process (seen as simulator tests timing out at random while
/// other suites tore their Kafka clients down). So the blocking part of a teardown runs on a
/// thread of its own, and the `deinit` returns at once.
enum KafkaTeardown {
    static func detach(_ teardown: @escaping @Sendable () -> Void) {
        Thread.detachNewThread(teardown)
    }
}

/// An unmanaged pointer handed to the teardown thread (the object it points to is owned by the
/// teardown from then on).
struct SendableRawPointer: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
}
