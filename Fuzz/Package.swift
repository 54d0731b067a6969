// swift-tools-version:6.0
// libFuzzer targets for verack's parsers (one executable, a target per parser), kept out
// of the root package's build and tests. Build and run with scripts/fuzz (release,
// -sanitize=fuzzer,address, own scratch path).
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its directory, and this package is "fuzz" after
// its own: a clone of the root package in a directory named "fuzz" would clash with it.
// scripts/fuzz therefore reaches the root through a symlink it makes, .build-fuzz/verack;
// without the symlink, the parent directory is used under its own name.
let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
let link = here.deletingLastPathComponent().appendingPathComponent(".build-fuzz/verack")
let (rootPath, rootPackage) = FileManager.default.fileExists(atPath: link.path)
    ? ("../.build-fuzz/verack", "verack")
    : ("..", here.deletingLastPathComponent().lastPathComponent.lowercased())

let package = Package(
    name: "verack-fuzz",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(path: rootPath),
    ],
    targets: [
        .executableTarget(
            name: "verack-fuzz",
            dependencies: [
                .product(name: "BitcoinWire", package: rootPackage),
                .product(name: "BIP324", package: rootPackage),
                .product(name: "PeerEngine", package: rootPackage),
                .product(name: "ConsoleUI", package: rootPackage),
                .product(name: "Capture", package: rootPackage),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
