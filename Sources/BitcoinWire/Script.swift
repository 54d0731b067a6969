/// A Bitcoin script (scriptSig or scriptPubKey) as raw bytes, with its opcodes rendered,
/// its standard type and the address it pays to.
///
/// A script decoded from a message shares the payload's storage (`bytes` is a slice whose
/// indices need not start at 0), so a block's scripts are not copied.
public struct Script: Hashable, Sendable {
    /// Bitcoin Core's `MAX_SCRIPT_SIZE`: a longer script fails when executed.
    public static let maxSize = 10_000

    public var bytes: ArraySlice<UInt8>

    public init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }
    public init(_ bytes: [UInt8]) { self.bytes = bytes[...] }

    public var count: Int { bytes.count }

    /// The byte at position `i` from the start.
    @inline(__always)
    private func byte(_ i: Int) -> UInt8 { bytes[bytes.startIndex + i] }

    /// The standard kind of script this is.
    public var type: ScriptType {
        let n = bytes.count
        if n == 25, byte(0) == 0x76, byte(1) == 0xa9, byte(2) == 20, byte(23) == 0x88, byte(24) == 0xac { return .p2pkh }
        if n == 23, byte(0) == 0xa9, byte(1) == 20, byte(22) == 0x87 { return .p2sh }
        if let (version, program) = witnessProgram {
            switch (version, program.count) {
            case (0, 20): return .p2wpkh
            case (0, 32): return .p2wsh
            case (1, 32): return .p2tr
            case (0, _): return .unknown
            default: return .witnessUnknown(version: version)
            }
        }
        if (n == 35 && byte(0) == 33 || n == 67 && byte(0) == 65) && byte(n - 1) == 0xac { return .p2pk }
        if n >= 1, byte(0) == 0x6a { return .opReturn }
        if isBareMultisig { return .multisig }
        return .unknown
    }

    /// BIP141: a version opcode (OP_0, OP_1…OP_16) then one push of 2 to 40 bytes, nothing else.
    public var witnessProgram: (version: Int, program: ArraySlice<UInt8>)? {
        let n = bytes.count
        guard (4...42).contains(n), Int(byte(1)) == n - 2 else { return nil }
        let op = byte(0)
        let version: Int
        if op == 0 { version = 0 } else if (0x51...0x60).contains(op) { version = Int(op) - 0x50 } else { return nil }
        return (version, bytes.dropFirst(2))
    }

    /// `OP_m <pubkey>… OP_n OP_CHECKMULTISIG` with 33- or 65-byte keys, m ≤ n.
    private var isBareMultisig: Bool {
        let ops = Array(ScriptOps(bytes))
        guard ops.count >= 4, case let .op(first) = ops[0], case let .op(last) = ops[ops.count - 2],
              case .op(0xae) = ops[ops.count - 1], (0x51...0x60).contains(first), (0x51...0x60).contains(last)
        else { return false }
        let m = Int(first) - 0x50, n = Int(last) - 0x50
        let keys = ops[1..<(ops.count - 2)]
        guard keys.count == n, m <= n else { return false }
        return keys.allSatisfy {
            if case let .push(_, data) = $0 { return data.count == 33 || data.count == 65 }
            return false
        }
    }

    /// The address this script pays to on `network`; nil for scripts without one (p2pk,
    /// bare multisig, OP_RETURN, nonstandard). p2pkh and p2sh use Base58Check, witness
    /// version 0 Bech32 and versions 1 to 16 Bech32m.
    public func address(for network: Network) -> String? {
        let p = network.addressParameters
        switch type {
        case .p2pkh: return Base58.checkEncode([p.p2pkhVersion] + bytes.dropFirst(3).prefix(20))
        case .p2sh: return Base58.checkEncode([p.p2shVersion] + bytes.dropFirst(2).prefix(20))
        case .p2wpkh, .p2wsh, .p2tr, .witnessUnknown:
            guard let (version, program) = witnessProgram else { return nil }
            return Bech32.segwitAddress(hrp: p.bech32HRP, version: version, program: Array(program))
        case .p2pk, .multisig, .opReturn, .unknown: return nil
        }
    }

    /// Same as ``address(for:)``.
    public func address(network: Network) -> String? { address(for: network) }

    /// The opcodes, as `OP_DUP OP_HASH160 <20 bytes: 89ab…> OP_EQUALVERIFY OP_CHECKSIG`.
    /// A push that runs past the end shows as an error at its place; it never traps.
    public var asm: String {
        var parts: [String] = []
        for op in ScriptOps(bytes) {
            switch op {
            case let .op(code): parts.append(Opcode.name(code))
            case let .push(code, data):
                let push = "<\(data.count) byte\(data.count == 1 ? "" : "s"): \(Hex.encode(data))>"
                parts.append(code >= 0x4c ? "\(Opcode.name(code)) \(push)" : push)
            case let .truncated(code, declared, available):
                parts.append("[error: \(Opcode.name(code)) pushes \(declared) bytes, \(available) left]")
            }
        }
        return parts.joined(separator: " ")
    }

    /// The first push as a script number (BIP34's coinbase height): OP_0, OP_1…OP_16,
    /// or a push of 1 to 5 bytes, little-endian with a sign bit; nil otherwise.
    public var firstPushNumber: Int64? {
        var ops = ScriptOps(bytes)
        guard let first = ops.next() else { return nil }
        switch first {
        case .op(0): return 0
        case let .op(code) where (0x51...0x60).contains(code): return Int64(code) - 0x50
        case let .op(code) where code == 0x4f: return -1
        case let .push(_, data) where (1...5).contains(data.count):
            var value: Int64 = 0
            for (i, b) in data.enumerated() { value |= Int64(b) << (8 * Int64(i)) }
            let top = Int64(data.count * 8 - 1)
            if value & (1 << top) != 0 { return -(value & ~(1 << top)) }
            return value
        default: return nil
        }
    }
}

/// The standard kinds of output script.
public enum ScriptType: Hashable, Sendable, CustomStringConvertible {
    case p2pk, p2pkh, p2sh, p2wpkh, p2wsh, p2tr
    /// A witness program of a version or length without a meaning yet (Bech32m address).
    case witnessUnknown(version: Int)
    case opReturn
    /// Bare `OP_m <keys> OP_n OP_CHECKMULTISIG`.
    case multisig
    case unknown

    public var description: String {
        switch self {
        case .p2pk: return "p2pk"
        case .p2pkh: return "p2pkh"
        case .p2sh: return "p2sh"
        case .p2wpkh: return "p2wpkh"
        case .p2wsh: return "p2wsh"
        case .p2tr: return "p2tr"
        case let .witnessUnknown(version): return "witness_v\(version)"
        case .opReturn: return "op_return"
        case .multisig: return "multisig"
        case .unknown: return "unknown"
        }
    }
}

/// One element of a script.
enum ScriptOp {
    /// An opcode that pushes nothing (OP_0 is here: it pushes an empty string).
    case op(UInt8)
    /// A push: its opcode (1–75 or PUSHDATA1/2/4) and data.
    case push(UInt8, ArraySlice<UInt8>)
    /// A push whose data runs past the end; the last element.
    case truncated(UInt8, declared: Int, available: Int)
}

/// Iterates a script's opcodes without allocating.
struct ScriptOps: Sequence, IteratorProtocol {
    private let bytes: ArraySlice<UInt8>
    private var i: Int
    private var done = false

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        i = bytes.startIndex
    }

    mutating func next() -> ScriptOp? {
        guard !done, i < bytes.endIndex else { return nil }
        let code = bytes[i]
        i += 1
        let lengthSize: Int
        switch code {
        case 0x01...0x4b: lengthSize = 0
        case 0x4c: lengthSize = 1
        case 0x4d: lengthSize = 2
        case 0x4e: lengthSize = 4
        default: return .op(code)
        }
        var length = Int(code)
        if lengthSize > 0 {
            guard bytes.endIndex - i >= lengthSize else {
                done = true
                return .truncated(code, declared: lengthSize, available: bytes.endIndex - i)
            }
            length = 0
            for k in 0..<lengthSize { length |= Int(bytes[i + k]) << (8 * k) }
            i += lengthSize
        }
        guard bytes.endIndex - i >= length else {
            done = true
            return .truncated(code, declared: length, available: bytes.endIndex - i)
        }
        let data = bytes[i..<(i + length)]
        i += length
        return .push(code, data)
    }
}

/// Opcode names as Bitcoin Core's `GetOpName` has them, with `OP_0`…`OP_16` spelled out.
enum Opcode {
    static func name(_ code: UInt8) -> String {
        switch code {
        case 0x00: return "OP_0"
        case 0x01...0x4b: return "OP_PUSHBYTES_\(code)"
        case 0x51...0x60: return "OP_\(code - 0x50)"
        case 0xb3...0xb9: return "OP_NOP\(code - 0xaf)"
        case 0xbb...0xfe: return "OP_UNKNOWN_0x\(Hex.encode([code]))"
        default: return names[code] ?? "OP_UNKNOWN_0x\(Hex.encode([code]))"
        }
    }

    private static let names: [UInt8: String] = [
        0x4c: "OP_PUSHDATA1", 0x4d: "OP_PUSHDATA2", 0x4e: "OP_PUSHDATA4", 0x4f: "OP_1NEGATE", 0x50: "OP_RESERVED",
        0x61: "OP_NOP", 0x62: "OP_VER", 0x63: "OP_IF", 0x64: "OP_NOTIF", 0x65: "OP_VERIF", 0x66: "OP_VERNOTIF",
        0x67: "OP_ELSE", 0x68: "OP_ENDIF", 0x69: "OP_VERIFY", 0x6a: "OP_RETURN",
        0x6b: "OP_TOALTSTACK", 0x6c: "OP_FROMALTSTACK", 0x6d: "OP_2DROP", 0x6e: "OP_2DUP", 0x6f: "OP_3DUP",
        0x70: "OP_2OVER", 0x71: "OP_2ROT", 0x72: "OP_2SWAP", 0x73: "OP_IFDUP", 0x74: "OP_DEPTH", 0x75: "OP_DROP",
        0x76: "OP_DUP", 0x77: "OP_NIP", 0x78: "OP_OVER", 0x79: "OP_PICK", 0x7a: "OP_ROLL", 0x7b: "OP_ROT",
        0x7c: "OP_SWAP", 0x7d: "OP_TUCK",
        0x7e: "OP_CAT", 0x7f: "OP_SUBSTR", 0x80: "OP_LEFT", 0x81: "OP_RIGHT", 0x82: "OP_SIZE",
        0x83: "OP_INVERT", 0x84: "OP_AND", 0x85: "OP_OR", 0x86: "OP_XOR", 0x87: "OP_EQUAL", 0x88: "OP_EQUALVERIFY",
        0x89: "OP_RESERVED1", 0x8a: "OP_RESERVED2",
        0x8b: "OP_1ADD", 0x8c: "OP_1SUB", 0x8d: "OP_2MUL", 0x8e: "OP_2DIV", 0x8f: "OP_NEGATE", 0x90: "OP_ABS",
        0x91: "OP_NOT", 0x92: "OP_0NOTEQUAL", 0x93: "OP_ADD", 0x94: "OP_SUB", 0x95: "OP_MUL", 0x96: "OP_DIV",
        0x97: "OP_MOD", 0x98: "OP_LSHIFT", 0x99: "OP_RSHIFT", 0x9a: "OP_BOOLAND", 0x9b: "OP_BOOLOR",
        0x9c: "OP_NUMEQUAL", 0x9d: "OP_NUMEQUALVERIFY", 0x9e: "OP_NUMNOTEQUAL", 0x9f: "OP_LESSTHAN",
        0xa0: "OP_GREATERTHAN", 0xa1: "OP_LESSTHANOREQUAL", 0xa2: "OP_GREATERTHANOREQUAL", 0xa3: "OP_MIN",
        0xa4: "OP_MAX", 0xa5: "OP_WITHIN",
        0xa6: "OP_RIPEMD160", 0xa7: "OP_SHA1", 0xa8: "OP_SHA256", 0xa9: "OP_HASH160", 0xaa: "OP_HASH256",
        0xab: "OP_CODESEPARATOR", 0xac: "OP_CHECKSIG", 0xad: "OP_CHECKSIGVERIFY", 0xae: "OP_CHECKMULTISIG",
        0xaf: "OP_CHECKMULTISIGVERIFY",
        0xb0: "OP_NOP1", 0xb1: "OP_CHECKLOCKTIMEVERIFY", 0xb2: "OP_CHECKSEQUENCEVERIFY", 0xba: "OP_CHECKSIGADD",
        0xff: "OP_INVALIDOPCODE",
    ]
}

/// What a network's addresses start with.
public struct AddressParameters: Hashable, Sendable {
    /// Base58Check version byte of p2pkh addresses (mainnet 0x00, test networks 0x6f).
    public var p2pkhVersion: UInt8
    /// Base58Check version byte of p2sh addresses (mainnet 0x05, test networks 0xc4).
    public var p2shVersion: UInt8
    /// Bech32 human-readable part: `bc`, `tb` or `bcrt`.
    public var bech32HRP: String

    public init(p2pkhVersion: UInt8, p2shVersion: UInt8, bech32HRP: String) {
        self.p2pkhVersion = p2pkhVersion
        self.p2shVersion = p2shVersion
        self.bech32HRP = bech32HRP
    }

    public static let mainnet = AddressParameters(p2pkhVersion: 0x00, p2shVersion: 0x05, bech32HRP: "bc")
    public static let test = AddressParameters(p2pkhVersion: 0x6f, p2shVersion: 0xc4, bech32HRP: "tb")
    public static let regtest = AddressParameters(p2pkhVersion: 0x6f, p2shVersion: 0xc4, bech32HRP: "bcrt")
}

extension Network {
    /// The address prefixes of the network: testnet3, testnet4 and signet share `tb`; a
    /// custom magic (a test node) gets regtest's.
    public var addressParameters: AddressParameters {
        switch self {
        case .mainnet: return .mainnet
        case .testnet3, .testnet4, .signet: return .test
        default: return .regtest
        }
    }
}
