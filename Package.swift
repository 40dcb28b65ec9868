// swift-tools-version:6.1
import PackageDescription

// Module map (one job each):
//   VenueBridgeCore     normalized event model v1, exact decimals, JSON codec. No I/O.
//   CRdKafka, CHiredis  system libraries (Debian librdkafka-dev, libhiredis-dev).
//   KafkaBus            librdkafka producer / consumer / mock cluster, Swift-safe.
//   RedisBus            hiredis connection and the pipelined, bounded stream writer.
//   EventBus            routes normalized events to Kafka topics and Redis streams.
//   COpenSSLCrypto      system library: the system OpenSSL's libcrypto (Debian libssl-dev).
//   RSAPKCS1            RSA PKCS#1 v1.5 encryption (and a key pair for simulators) via OpenSSL.
//   VenueConnector      shared venue runtime: WebSocket link, session states, reconnect,
//                       request correlation, local books, order-entry interface, metrics.
//   FineryWire          Finery Markets protocol: codec, HMAC auth, house rules. Pure.
//   FineryConnector     Finery session + normalizer + order entry (client side).
//   SimulatorKit        what every venue simulator needs: listener, lifecycle, socket queues.
//   FinerySimulator     a Finery venue server for tests, benchmarks and the demo.
//   SFOXWire            sFOX protocol: WebSocket messages, REST bodies, house rules. Pure.
//   SFOXConnector       sFOX market-data + private sessions, REST order entry (client side).
//   SFOXSimulator       an sFOX venue (WebSocket + REST) for tests, benchmarks and the demo.
//   FIWire              Fundamental Interactions protocol: messages both ways, house rules. Pure.
//   FIConnector         FI session (RSA challenge login, entry books, system status) (client side).
//   FISimulator         an FI venue (RSA challenge login, entry books, status) for tests and the demo.
//   T4Wire              Plus500 Futures (T4) protobuf messages (generated, committed), framing,
//                       exact price conversion, house rules. Pure.
//   T4Connector         T4 session (login, heartbeats, depth, accounts) + order entry (client side).
//   T4Simulator         a T4 venue (protobuf over binary WebSocket) for tests, benchmarks and the demo.
//   OrderCommands       order command contract v1: model, JSON codec, venue client-id derivation. Pure.
//   CommandPath         Kafka commands → venues, exactly once per idempotency key (Redis store,
//                       validation, DLQ, ambiguity resolution).
//   VenueModuleKit      what a venue module implements (`VenueModule`) and reads its settings
//                       with (ConfigReader, VenueLinkConfig, EnvironmentOverrides).
//   <Venue>Module       one venue in the bridge: its settings, checks, services, command entry
//                       and demo (Sources/Venues/<Venue>/Module).
//   VenueCatalog        the venue list (`VenueCatalog.all`): the one place naming every venue.
//   VenueBridgeService  config, wiring, lifecycle, HTTP (health, metrics), demo; venues only
//                       through the modules it is given.
//   venue-bridge        the executable: service + CLI.
//   venue-sim           runs a venue simulator standalone.
//   venue-bench         benchmarks (Benchmarks/VenueBench).

/// Every venue's module target (`Sources/Venues/<Venue>/Module`), for the catalog and its tests.
let venueModules: [Target.Dependency] = ["FineryModule", "SFOXModule", "T4Module", "FIModule", "FigModule"]
/// What a venue module's target needs besides its own venue's targets.
let moduleDependencies: [Target.Dependency] = [
    "VenueBridgeCore", "VenueConnector", "EventBus", "CommandPath", "SimulatorKit",
    .product(name: "ArgumentParser", package: "swift-argument-parser"),
    .product(name: "Logging", package: "swift-log"),
]

let strictSwift: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "VenueBridge",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "venue-bridge", targets: ["venue-bridge"]),
        .executable(name: "venue-sim", targets: ["venue-sim"]),
        .executable(name: "venue-bench", targets: ["VenueBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // traits: [] keeps the -D flags stable so swift build / swift test do not recompile it.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // traits: [] keeps the -D flags stable (see hummingbird above). Generated code is committed;
        // no build-tool plugin (scripts/generate-t4-proto regenerates it).
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0", traits: []),
    ],
    targets: [
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        // No pkgConfig: hiredis' .pc adds -D_FILE_OFFSET_BITS=64, which SwiftPM refuses.
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "COpenSSLCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "RSAPKCS1", dependencies: ["COpenSSLCrypto"], swiftSettings: strictSwift),

        .target(name: "VenueBridgeCore", swiftSettings: strictSwift),
        .target(
            name: "KafkaBus",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSwift
        ),
        .target(
            name: "RedisBus",
            dependencies: [
                "CHiredis",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strictSwift
        ),
        .target(
            name: "EventBus",
            dependencies: [
                "VenueBridgeCore", "KafkaBus", "RedisBus",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strictSwift
        ),
        .target(
            name: "VenueConnector",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                "VenueBridgeCore", "EventBus",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift
        ),
        .target(
            name: "FineryWire",
            dependencies: ["VenueBridgeCore", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources/Venues/Finery/Wire",
            swiftSettings: strictSwift
        ),
        .target(name: "SFOXWire", dependencies: ["VenueBridgeCore"], path: "Sources/Venues/SFOX/Wire", swiftSettings: strictSwift),
        .target(name: "FIWire", dependencies: ["VenueBridgeCore"], path: "Sources/Venues/FI/Wire", swiftSettings: strictSwift),
        .target(
            name: "FigWire", dependencies: ["VenueBridgeCore", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources/Venues/Fig/Wire", swiftSettings: strictSwift),
        .target(
            name: "FigSimulator",
            dependencies: [
                "FigWire", "VenueBridgeCore", "SimulatorKit",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Venues/Fig/Simulator", swiftSettings: strictSwift
        ),
        .target(
            name: "FigConnector",
            dependencies: [
                "FigWire", "VenueConnector", "VenueBridgeCore", "EventBus",
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Sources/Venues/Fig/Connector", swiftSettings: strictSwift
        ),
        .target(
            name: "FigModule",
            dependencies: ["VenueModuleKit", "FigWire", "FigConnector", "FigSimulator"] + moduleDependencies,
            path: "Sources/Venues/Fig/Module", swiftSettings: strictSwift
        ),
        .target(
            name: "FIConnector",
            dependencies: [
                "FIWire", "VenueConnector", "VenueBridgeCore", "EventBus", "RSAPKCS1",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Sources/Venues/FI/Connector", swiftSettings: strictSwift
        ),
        .target(
            name: "FISimulator",
            dependencies: [
                "FIWire", "VenueBridgeCore", "SimulatorKit", "RSAPKCS1",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Venues/FI/Simulator", swiftSettings: strictSwift
        ),
        .target(
            name: "T4Wire",
            dependencies: ["VenueBridgeCore", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Sources/Venues/T4/Wire",
            exclude: ["Proto"],  // the .proto sources of Generated/ (scripts/generate-t4-proto)
            swiftSettings: strictSwift
        ),
        .target(
            name: "SFOXConnector",
            dependencies: [
                "SFOXWire", "VenueConnector", "VenueBridgeCore", "EventBus",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Sources/Venues/SFOX/Connector",
            swiftSettings: strictSwift
        ),
        .target(
            name: "T4Connector",
            dependencies: [
                "T4Wire", "VenueConnector", "VenueBridgeCore", "EventBus",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Sources/Venues/T4/Connector",
            swiftSettings: strictSwift
        ),
        .target(
            name: "SimulatorKit",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        .target(
            name: "SFOXSimulator",
            dependencies: [
                "SFOXWire", "VenueBridgeCore", "SimulatorKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Venues/SFOX/Simulator",
            swiftSettings: strictSwift
        ),
        .target(
            name: "T4Simulator",
            dependencies: [
                "T4Wire", "VenueBridgeCore", "SimulatorKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Venues/T4/Simulator",
            swiftSettings: strictSwift
        ),
        .target(
            name: "FineryConnector",
            dependencies: [
                "FineryWire", "VenueConnector", "VenueBridgeCore", "EventBus",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Sources/Venues/Finery/Connector",
            swiftSettings: strictSwift
        ),
        .target(
            name: "FinerySimulator",
            dependencies: [
                "FineryWire", "VenueBridgeCore", "SimulatorKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Venues/Finery/Simulator",
            swiftSettings: strictSwift
        ),
        .target(
            name: "OrderCommands",
            dependencies: ["VenueBridgeCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSwift
        ),
        .target(
            name: "CommandPath",
            dependencies: [
                "OrderCommands", "VenueBridgeCore", "VenueConnector", "EventBus", "KafkaBus", "RedisBus",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSwift
        ),
        .target(
            name: "VenueModuleKit",
            dependencies: [
                "VenueBridgeCore", "VenueConnector", "EventBus", "CommandPath",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSwift
        ),
        .target(
            name: "FineryModule",
            dependencies: ["VenueModuleKit", "FineryWire", "FineryConnector", "FinerySimulator"] + moduleDependencies,
            path: "Sources/Venues/Finery/Module", swiftSettings: strictSwift
        ),
        .target(
            name: "SFOXModule",
            dependencies: ["VenueModuleKit", "SFOXWire", "SFOXConnector", "SFOXSimulator"] + moduleDependencies,
            path: "Sources/Venues/SFOX/Module", swiftSettings: strictSwift
        ),
        .target(
            name: "FIModule",
            dependencies: ["VenueModuleKit", "FIWire", "FIConnector", "FISimulator"] + moduleDependencies,
            path: "Sources/Venues/FI/Module", swiftSettings: strictSwift
        ),
        .target(
            name: "T4Module",
            dependencies: ["VenueModuleKit", "T4Wire", "T4Connector", "T4Simulator"] + moduleDependencies,
            path: "Sources/Venues/T4/Module", swiftSettings: strictSwift
        ),
        // The venue list: the one place naming every venue module.
        .target(
            name: "VenueCatalog",
            dependencies: ["VenueModuleKit", "VenueBridgeCore"] + venueModules,
            swiftSettings: strictSwift
        ),
        .target(
            name: "VenueBridgeService",
            dependencies: [
                "VenueBridgeCore", "KafkaBus", "RedisBus", "EventBus", "VenueConnector", "VenueModuleKit",
                "OrderCommands", "CommandPath",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "venue-bridge",
            dependencies: [
                "VenueBridgeService", "VenueCatalog", "VenueModuleKit", "VenueBridgeCore", "KafkaBus", "EventBus",
                "OrderCommands", "SimulatorKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "venue-sim",
            dependencies: [
                "VenueCatalog", "VenueModuleKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "VenueBench",
            dependencies: [
                "VenueBridgeCore", "KafkaBus", "RedisBus", "EventBus", "VenueBridgeService", "CRdKafka",
                "FineryWire", "FineryConnector", "FinerySimulator", "VenueConnector", "SFOXWire", "SFOXConnector",
                "T4Wire", "T4Connector", "T4Simulator", "FIWire", "FIConnector", "OrderCommands", "CommandPath",
                "FigWire", "FigConnector", "FigSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Benchmarks/VenueBench",
            swiftSettings: strictSwift
        ),

        // Test-only helpers shared by the end-to-end suites (not a product).
        .target(
            name: "BridgeTestSupport",
            dependencies: [
                "KafkaBus", "RedisBus", "EventBus", "VenueBridgeCore", "VenueConnector",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            path: "Tests/BridgeTestSupport",
            swiftSettings: strictSwift
        ),
        // The WebSocket client the simulator suites share (not a product).
        .target(
            name: "SimulatorTestSupport",
            dependencies: [
                "BridgeTestSupport",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/SimulatorTestSupport",
            swiftSettings: strictSwift
        ),
        .testTarget(name: "VenueBridgeCoreTests", dependencies: ["VenueBridgeCore"], swiftSettings: strictSwift),
        .testTarget(name: "FIWireTests", dependencies: ["FIWire", "VenueBridgeCore"], swiftSettings: strictSwift),
        .testTarget(name: "FigWireTests", dependencies: ["FigWire", "VenueBridgeCore"], swiftSettings: strictSwift),
        .testTarget(
            name: "FigTests",
            dependencies: [
                "FigConnector", "FigSimulator", "FigWire", "VenueConnector", "VenueBridgeCore", "BridgeTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "FITests",
            dependencies: [
                "FIConnector", "FISimulator", "FIWire", "FIModule", "RSAPKCS1", "VenueConnector", "VenueBridgeCore", "EventBus",
                "VenueBridgeService", "VenueCatalog", "VenueModuleKit", "BridgeTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(name: "RSAPKCS1Tests", dependencies: ["RSAPKCS1"], swiftSettings: strictSwift),
        .testTarget(name: "OrderCommandsTests", dependencies: ["OrderCommands", "VenueBridgeCore"], swiftSettings: strictSwift),
        .testTarget(
            name: "KafkaBusTests",
            dependencies: ["KafkaBus", .product(name: "MetricsTestKit", package: "swift-metrics")],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "RedisBusTests",
            dependencies: ["RedisBus", .product(name: "MetricsTestKit", package: "swift-metrics")],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "EventBusTests",
            dependencies: [
                "EventBus", "VenueBridgeCore", "KafkaBus", "RedisBus",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "VenueConnectorTests",
            dependencies: [
                "VenueConnector", "VenueBridgeCore", "EventBus", "BridgeTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "FinerySimulatorTests",
            dependencies: [
                "FinerySimulator", "FineryWire", "VenueBridgeCore", "SimulatorTestSupport", "BridgeTestSupport",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "SFOXSimulatorTests",
            dependencies: [
                "SFOXSimulator", "SFOXWire", "VenueBridgeCore", "SimulatorTestSupport", "BridgeTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(name: "T4WireTests", dependencies: ["T4Wire", "VenueBridgeCore"], swiftSettings: strictSwift),
        .testTarget(
            name: "T4SimulatorTests",
            dependencies: [
                "T4Simulator", "T4Wire", "VenueBridgeCore", "SimulatorTestSupport", "BridgeTestSupport",
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "T4Tests",
            dependencies: [
                "T4Wire", "T4Connector", "T4Simulator", "VenueConnector", "VenueBridgeCore",
                "EventBus", "KafkaBus", "RedisBus", "BridgeTestSupport",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "SFOXTests",
            dependencies: [
                "SFOXWire", "SFOXConnector", "SFOXSimulator", "VenueConnector", "VenueBridgeCore",
                "EventBus", "KafkaBus", "RedisBus", "BridgeTestSupport",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "FineryTests",
            dependencies: [
                "FineryWire", "FineryConnector", "FinerySimulator", "VenueConnector", "VenueBridgeCore",
                "EventBus", "KafkaBus", "RedisBus", "BridgeTestSupport",
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "CommandPathTests",
            dependencies: [
                "CommandPath", "OrderCommands", "FIWire", "FIConnector", "FISimulator", "FigWire", "FigConnector",
                "FigSimulator", "FineryWire", "FineryConnector", "FinerySimulator", "SFOXWire", "SFOXConnector", "SFOXSimulator", "T4Wire", "T4Connector", "T4Simulator",
                "VenueConnector", "VenueBridgeCore", "EventBus", "KafkaBus", "RedisBus", "BridgeTestSupport",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "VenueBridgeServiceTests",
            dependencies: [
                "VenueBridgeService", "VenueBridgeCore", "VenueModuleKit", "VenueCatalog",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ] + venueModules,
            swiftSettings: strictSwift
        ),

        // Fuzzing (docs/reliability.md): the harnesses are a library built with everything else and
        // replayed over the committed corpora by FuzzHarnessTests; the libFuzzer runner below exists
        // only for scripts/fuzz (VB_FUZZ set), which builds it with -sanitize=fuzzer,address.
        .target(
            name: "FuzzHarnesses",
            dependencies: [
                "VenueBridgeCore", "OrderCommands", "VenueBridgeService", "VenueCatalog", "VenueConnector",
                "FineryWire", "FineryConnector", "SFOXWire", "SFOXConnector", "T4Wire", "T4Connector", "FIWire",
                "FIConnector", "FigWire", "FigConnector",
            ],
            path: "Fuzz/Harnesses",
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "FuzzHarnessTests",
            dependencies: ["FuzzHarnesses"],
            swiftSettings: strictSwift
        ),
    ]
)

if Context.environment["VB_FUZZ"] != nil {
    // The runner's entry point hands its arguments to libFuzzer's driver (declared by CFuzzDriver).
    package.targets += [
        .target(name: "CFuzzDriver", path: "Fuzz/CDriver"),
        .executableTarget(
            name: "vb-fuzz", dependencies: ["FuzzHarnesses", "CFuzzDriver"], path: "Fuzz/Runner",
            swiftSettings: strictSwift + [.unsafeFlags(["-parse-as-library"])]),
    ]
}
