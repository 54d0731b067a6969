// swift-tools-version:6.0
// Benchmarks for verack, kept out of the root package's default build.
// Build and run with scripts/bench (release mode, its own scratch path).
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its directory, which differs between clones.
let rootPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "verack-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .executableTarget(
            name: "verack-bench",
            dependencies: [
                .product(name: "BitcoinWire", package: rootPackage),
                .product(name: "PeerEngine", package: rootPackage),
                .product(name: "ConsoleUI", package: rootPackage),
                .product(name: "NodeHarness", package: rootPackage),
                .product(name: "BIP324", package: rootPackage),
                .product(name: "Capture", package: rootPackage),
                .product(name: "Crypto", package: "swift-crypto"),
                "CBenchOpenSSL",
            ]
        ),
        .systemLibrary(name: "CBenchOpenSSL", path: "Sources/CBenchOpenSSL"),
    ],
    swiftLanguageModes: [.v6]
)
