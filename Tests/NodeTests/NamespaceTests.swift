import Foundation
import Testing

extension NodeProcesses {
    /// Two hosts: Alice and the source in one network namespace, Bob in another, joined by a
    /// veth pair (10.77.<n>.1 and .2). Needs root and iproute2; skipped with the reason printed
    /// where namespaces cannot be made.
    @Suite(.serialized) struct NamespaceTests {
        /// Runs `ip` with `arguments`; the exit status and what it printed.
        @discardableResult
        static func ip(_ arguments: [String]) -> (Int32, String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") ? "/usr/sbin/ip" : "/sbin/ip")
            process.arguments = arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            do { try process.run() } catch { return (-1, "\(error)") }
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }

        /// Two namespaces joined by a veth pair, removed by `remove()`.
        struct Hosts {
            let a: String, b: String, subnet: String

            init?() {
                let tag = "\(getpid() % 10000)"
                a = "diqkd-a-\(tag)"
                b = "diqkd-b-\(tag)"
                subnet = "10.77.\(getpid() % 250)"
                let steps: [[String]] = [
                    ["netns", "add", a], ["netns", "add", b],
                    ["link", "add", "dqa\(tag)", "type", "veth", "peer", "name", "dqb\(tag)"],
                    ["link", "set", "dqa\(tag)", "netns", a], ["link", "set", "dqb\(tag)", "netns", b],
                    ["-n", a, "addr", "add", "\(subnet).1/24", "dev", "dqa\(tag)"], ["-n", b, "addr", "add", "\(subnet).2/24", "dev", "dqb\(tag)"],
                    ["-n", a, "link", "set", "dqa\(tag)", "up"], ["-n", b, "link", "set", "dqb\(tag)", "up"],
                    ["-n", a, "link", "set", "lo", "up"], ["-n", b, "link", "set", "lo", "up"],
                ]
                for step in steps {
                    let (status, output) = NamespaceTests.ip(step)
                    guard status == 0 else {
                        print("NamespaceTests skipped: `ip \(step.joined(separator: " "))` failed (\(output.trimmingCharacters(in: .whitespacesAndNewlines))); "
                              + "network namespaces need root and iproute2")
                        NamespaceTests.ip(["netns", "del", a])
                        NamespaceTests.ip(["netns", "del", b])
                        return nil
                    }
                }
            }

            func exec(_ namespace: String) -> [String] {
                [FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") ? "/usr/sbin/ip" : "/sbin/ip", "netns", "exec", namespace]
            }

            func remove() {
                NamespaceTests.ip(["netns", "del", a])
                NamespaceTests.ip(["netns", "del", b])
            }
        }

        @Test func twoHostsAgreeOnKeys() throws {
            guard let hosts = Hosts() else { return }
            defer { hosts.remove() }
            let lab = try NodeLab()
            defer { lab.remove() }
            let (source, sourcePort) = try lab.source(host: "\(hosts.subnet).1", wrapper: hosts.exec(hosts.a))
            defer { source.stop() }
            let sourceAddress = "\(hosts.subnet).1:\(sourcePort)"
            let alice = try lab.node("alice", ["--listen", "\(hosts.subnet).1:0"], source: sourceAddress, wrapper: hosts.exec(hosts.a))
            let port = try #require(alice.listeningPort(), "\(alice.stderr)")
            let bob = try lab.node("bob", ["--connect", "\(hosts.subnet).1:\(port)"], source: sourceAddress, wrapper: hosts.exec(hosts.b))
            #expect(bob.wait(within: 120) == 0, "\(bob.stdout)\(bob.stderr)")
            #expect(alice.wait(within: 20) == 0, "\(alice.stdout)\(alice.stderr)")
            #expect(bob.stdout.contains("with \(hosts.subnet).1:\(port)"), "Bob reached Alice across the veth pair: \(bob.stdout)")
            let block = try #require(lab.blocks("alice").first)
            let aliceKey = try Data(contentsOf: URL(fileURLWithPath: lab.path("alice/\(block)/alice.key")))
            let bobKey = try Data(contentsOf: URL(fileURLWithPath: lab.path("bob/\(block)/bob.key")))
            #expect(!aliceKey.isEmpty && aliceKey == bobKey)
            #expect(publicFields(try lab.report("alice", block: block)) == publicFields(try lab.report("bob", block: block)))
        }
    }
}
