// libFuzzer entry point: one executable, one target per parser.
//
// SwiftPM links its own `main`, so libFuzzer's is not used: this file hands the command
// line to `LLVMFuzzerRunDriver`, which parses the usual libFuzzer flags and calls the
// chosen target once per input. Build with `-Xswiftc -sanitize=fuzzer,address` (one flag:
// see scripts/fuzz, which builds and runs it).
//
//     verack-fuzz TARGET [LIBFUZZER-FLAGS...] [CORPUS-DIRS or FILES...]
//
// TARGET is one of `Targets.all` (frame, message, command-line, v2, pcap, addresses,
// core-capture).
// It may also come from VERACK_FUZZ_TARGET, which is set for child processes (-fork, -jobs, -merge).
// `verack-fuzz seeds TARGET DIR` writes TARGET's seeds from the test vectors (Seeds.swift).
// `verack-fuzz dict TARGET` prints the dictionary entries made from the command table.
import Foundation

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// The fuzz targets, by the name scripts/fuzz takes.
enum Targets {
    static let all: [(name: String, run: @Sendable (UnsafeRawBufferPointer) -> Void)] = [
        ("frame", FrameTarget.run),
        ("message", MessageTarget.run),
        ("command-line", CommandLineTarget.run),
        ("v2", V2Target.run),
        ("pcap", PcapTarget.run),
        ("addresses", AddressesTarget.run),
        ("core-capture", CoreCaptureTarget.run),
    ]
}

nonisolated(unsafe) var selected: (UnsafeRawBufferPointer) -> Void = { _ in }

var arguments = CommandLine.arguments
if arguments.count == 4 && arguments[1] == "seeds" {
    print(Seeds.write(target: arguments[2], to: arguments[3]))
    exit(0)
}
if arguments.count == 3 && arguments[1] == "dict" {
    print(Dictionary.commandEntries(for: arguments[2]), terminator: "")
    exit(0)
}
let names = Targets.all.map(\.name)
var name = ProcessInfo.processInfo.environment["VERACK_FUZZ_TARGET"]
if arguments.count > 1, names.contains(arguments[1]) {
    name = arguments.remove(at: 1)
}
guard let name, let target = Targets.all.first(where: { $0.name == name }) else {
    FileHandle.standardError.write(Data("usage: verack-fuzz TARGET [libFuzzer flags and inputs]; TARGET is one of \(names.joined(separator: ", "))\n".utf8))
    exit(2)
}
setenv("VERACK_FUZZ_TARGET", name, 1)
selected = target.run

// The C strings stay alive for the whole run: libFuzzer keeps pointers into argv.
var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
var argc = Int32(arguments.count)
let code = cArguments.withUnsafeMutableBufferPointer { buffer -> Int32 in
    var argv = buffer.baseAddress.unsafelyUnwrapped
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        selected(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
        return 0
    }
}
exit(code)
