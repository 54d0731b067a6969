// swift-tools-version:6.0
// A libFuzzer target for the BitcoinWire codec, kept out of the root package's build and
// tests. Build and run with scripts/fuzz (release, -sanitize=fuzzer, own scratch path).
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its directory, which differs between clones.
let rootPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "verack-fuzz",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "verack-fuzz",
            dependencies: [
                .product(name: "BitcoinWire", package: rootPackage),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
