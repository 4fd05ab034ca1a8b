import Foundation
import Testing

/// `diqkd node|source|kme|store …` hands the call to the executable beside `diqkd` itself —
/// found through the kernel, not the program name, which is a bare `diqkd` when run from PATH.
@Suite struct NetworkForwardTests {
    /// Run from PATH in a folder that holds a planted `diqkd-node`, `diqkd node` must run the
    /// real one beside the real `diqkd`, never the planted file.
    @Test func aPlantedSiblingInTheWorkingFolderIsNotRun() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let marker = folder.appendingPathComponent("planted-ran").path
        let planted = folder.appendingPathComponent("diqkd-node").path
        try "#!/bin/sh\ntouch '\(marker)'\necho PLANTED\n".write(toFile: planted, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: planted)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        let binaries = Bundle.main.bundlePath
        process.arguments = ["-c", "PATH='\(binaries)':\"$PATH\" exec diqkd node --help"]
        process.currentDirectoryURL = folder
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(!FileManager.default.fileExists(atPath: marker), "the planted diqkd-node ran")
        #expect(!text.contains("PLANTED"))
        #expect(text.contains("--pool"), "the real node help: \(text)")
    }
}
