// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "verack",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "verack", targets: ["verack"]),
        .library(name: "BitcoinWire", targets: ["BitcoinWire"]),
        .library(name: "PeerEngine", targets: ["PeerEngine"]),
        .library(name: "ConsoleUI", targets: ["ConsoleUI"]),
        .library(name: "BIP324", targets: ["BIP324"]),
        .library(name: "Capture", targets: ["Capture"]),
        // Starts the real test node; for the tests and the benchmarks.
        .library(name: "NodeHarness", targets: ["NodeHarness"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .target(
            name: "BitcoinWire",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "PeerEngine",
            dependencies: ["BitcoinWire", "BIP324", "CEpoll"]
        ),
        .target(
            name: "Capture",
            dependencies: ["BitcoinWire", "PeerEngine", "CPcap"]
        ),
        .target(
            name: "ConsoleUI",
            dependencies: ["BitcoinWire", "BIP324", "PeerEngine"]
        ),
        .systemLibrary(name: "CNcurses", path: "Sources/CNcurses"),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL"),
        .systemLibrary(name: "CPcap", path: "Sources/CPcap"),
        .systemLibrary(name: "CEpoll", path: "Sources/CEpoll"),
        .target(
            name: "BIP324",
            dependencies: [
                "BitcoinWire", "COpenSSL",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "verack",
            dependencies: [
                "BitcoinWire", "PeerEngine", "ConsoleUI", "Capture", "CNcurses",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "BIP324Tests", dependencies: ["BIP324", "COpenSSL", "NodeHarness"], resources: [.copy("Vectors")]),
        .testTarget(name: "BitcoinWireTests", dependencies: ["BitcoinWire", "NodeHarness"], resources: [.copy("Vectors")]),
        .target(name: "NodeHarness", dependencies: ["BitcoinWire", "PeerEngine"], path: "Tests/NodeHarness"),
        .executableTarget(name: "simnet", dependencies: ["NodeHarness"], path: "Tests/SimNet"),
        .testTarget(name: "PeerEngineTests", dependencies: ["PeerEngine", "BitcoinWire", "BIP324", "NodeHarness"]),
        .testTarget(name: "ConsoleUITests", dependencies: ["ConsoleUI", "PeerEngine", "BitcoinWire", "NodeHarness"]),
        .testTarget(name: "CaptureTests", dependencies: ["Capture", "PeerEngine", "BitcoinWire", "NodeHarness"]),
        .testTarget(name: "EndToEndTests", dependencies: ["verack", "BitcoinWire", "NodeHarness"]),
    ],
    swiftLanguageModes: [.v6]
)
