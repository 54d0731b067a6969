import BIP324
import BitcoinWire

extension V2Transport {
    /// The message in a packet's contents. An unknown short id is shown and skipped, as Core
    /// does; contents with no readable message type are shown and dropped.
    static func message(from contents: consuming [UInt8], raw: [UInt8], layout: FrameLayout, decodeOnly: Set<Command>? = nil) -> TransportOutput {
        switch V2MessageType.decode(contents) {
        case let .known(command, offset):
            let result: Result<Message, WireError>
            if let decodeOnly, !decodeOnly.contains(command) {
                result = .success(.unknown(command: command, payload: contents[offset...]))
            } else {
                do {
                    result = .success(try Message.decode(command: command, payload: contents[offset...], offset: 0))
                } catch {
                    result = .failure(error)
                }
            }
            // The payload is the contents after the type: dropped in place, not copied.
            var payload = consume contents
            payload.removeFirst(offset)
            let unit = WireUnit(
                transport: .v2, raw: raw, layout: layout, command: command, size: payload.count, checksumOK: true,
                message: result, plaintext: payload)
            return .received(unit, deliver: try? result.get())
        case let .unknownID(id):
            var payload = consume contents
            payload.removeFirst()
            let unit = WireUnit(
                content: .v2UnknownID(id), transport: .v2, raw: raw, layout: layout, size: payload.count, checksumOK: true,
                plaintext: payload)
            return .received(unit, deliver: nil)
        case let .malformed(reason):
            let unit = WireUnit(
                transport: .v2, raw: raw, layout: layout, command: .unreadable, size: contents.count, checksumOK: true,
                message: .failure(.invalidValue(field: "message type", offset: 0, reason: "\(reason)")), plaintext: Array(contents))
            return .received(unit, deliver: nil)
        }
    }
}
