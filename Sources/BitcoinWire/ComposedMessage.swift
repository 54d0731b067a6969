extension MessageComposer {
    /// The message `words` compose (`getdata wblock:HASH`), ready for the engine: a payload
    /// that decodes as its command's message, and re-encodes to the same bytes, is that
    /// message; any other payload (`raw ping 00`) is sent as it is. `getheaders` and
    /// `getblocks` with no hash at all ask from `network`'s genesis block.
    public static func message(_ words: [String], network: Network) throws(ComposeError) -> Message {
        var form = words
        if form.count == 1, let only = form.first?.lowercased(), only == Command.getheaders.name || only == Command.getblocks.name {
            form.append(network.genesisHashHex)
        }
        let composed = try compose(form, network: network)
        guard let command = Command(validating: composed.command) else {
            throw ComposeError(command: composed.command, reason: "not a command (printable ASCII, at most \(MessageHeader.commandLength) bytes)")
        }
        let payload = composed.payload[...]
        switch Result(catching: { () throws(WireError) in try Message.decode(command: command, payload: payload) }) {
        case let .success(m) where m.encodePayload() == composed.payload: return m
        default: return .unknown(command: command, payload: payload)
        }
    }

    /// ``message(_:network:)`` of a line of words separated by blanks.
    public static func message(line: String, network: Network) throws(ComposeError) -> Message {
        try message(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init), network: network)
    }
}
