import Foundation

/// Raw bytes to stdout, for payloads that are not text.
enum FileHandleOutput {
    static func write(_ bytes: [UInt8]) { FileHandle.standardOutput.write(Data(bytes)) }
}
