#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

extension NodeProcesses {
    /// The KME as a process at a 256-file limit (`prlimit`), against 1,000 idle connections
    /// that never start TLS, from 40 addresses: it keeps running, sheds the strangers, and a
    /// real SAE on another address gets keys the whole time.
    @Suite(.serialized) struct KMEFileLimitTests {
        /// An idle TCP connection to 127.0.0.1:`port` from 127.0.0.`host`; -1 when it fails.
        static func idle(from host: Int, to port: Int) -> Int32 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return -1 }
            let size = socklen_t(MemoryLayout<sockaddr_in>.size)
            var local = sockaddr_in(), remote = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr("127.0.0.\(host)")
            remote.sin_family = sa_family_t(AF_INET)
            remote.sin_port = in_port_t(UInt16(port).bigEndian)
            remote.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
            let connected = bound == 0
                && withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, size) } } == 0
            guard connected else {
                close(fd)
                return -1
            }
            return fd
        }

        @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit"), "needs prlimit (util-linux)"))
        func aThousandIdleConnectionsAtA256FileLimit() async throws {
            let lab = try NodeLab()
            defer { lab.remove() }
            try #require(try KeyDeliveryTests.run("/bin/bash", [KeyDeliveryTests.root.appendingPathComponent("scripts/test-pki").path,
                                                                lab.path("pki")], in: lab.folder).0 == 0)
            try Data((0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }).write(to: URL(fileURLWithPath: lab.path("block.key")))
            let importer = try Launched(["store", "import", "--store", lab.path("alice.keys"), "--key", lab.path("block.key"),
                                         "--block", "1", "--allow-simulated-keys"], executable: "diqkd-kme", in: lab.folder)
            #expect(await importer.finish(within: 30) == 0, "\(importer.stderr)")
            let port = Int.random(in: 40_000...49_999)
            let kme = try await offThePool { try lab.kme("alice", port: port, wrapper: ["/usr/bin/prlimit", "--nofile=256:256", "--"]) }.get()
            defer { kme.stop() }
            try #require(kme.process.isRunning, "\(kme.stderr)")
            let strangers = await offThePool { (0..<1000).map { Self.idle(from: 2 + $0 % 40, to: port) } }
            let held = try strangers.get()
            defer { for fd in held where fd >= 0 { close(fd) } }
            let url = "https://127.0.0.1:\(port)/api/v1/keys/sae-bob/enc_keys?number=4&size=256"
            for _ in 0..<5 {
                let keys = try await offThePool { (lab.request(url, as: "sae-alice")?["keys"] as? [[String: Any]])?.count ?? 0 }.get()
                #expect(keys == 4, "no keys while strangers hold connections: \(kme.stderr.suffix(2000))")
            }
            #expect(kme.process.isRunning, "\(kme.stderr.suffix(2000))")
            print("KMEFileLimitTests: \(held.filter { $0 >= 0 }.count) of 1000 idle connections opened; the SAE got 5 × 4 keys")
        }
    }
}
