import Foundation
import Testing

@Suite("pool and bench mac through the command line")
struct PoolCommandTests {
    @Test func initCreatesTwoIdenticalPrivateFilesAndStatusReadsThem() throws {
        let dir = try temporaryDirectory()
        let alice = dir.appendingPathComponent("alice.pool").path, bob = dir.appendingPathComponent("bob.pool").path
        let created = try diqkd(["pool", "init", "--bits", "131072", "--alice", alice, "--bob", bob, "--json"])
        #expect(created.status == 0, "\(created.stderr)")
        let json = try created.json()
        let id = try #require(json["id"] as? String)
        #expect(id.count == 32)
        #expect(json["capacityBits"] as? Int == 131_072)
        #expect(try Data(contentsOf: URL(fileURLWithPath: alice)) == Data(contentsOf: URL(fileURLWithPath: bob)))
        #expect(try FileManager.default.attributesOfItem(atPath: alice)[.posixPermissions] as? Int == 0o600)

        let status = try diqkd(["pool", "status", bob, "--json"])
        #expect(status.status == 0, "\(status.stderr)")
        let report = try status.json()
        #expect(report["id"] as? String == id)
        #expect(report["capacityBits"] as? Int == 131_072)
        #expect(report["positionBits"] as? Int == 0)
        #expect(report["remainingBits"] as? Int == 131_072)

        let text = try diqkd(["pool", "status", alice])
        #expect(text.status == 0 && text.stdout.contains(id) && text.stdout.contains("131072 bits"))
    }

    @Test func initRefusesAnExistingFileAndNamesIt() throws {
        let dir = try temporaryDirectory()
        let alice = dir.appendingPathComponent("alice.pool").path, bob = dir.appendingPathComponent("bob.pool").path
        try Data([7]).write(to: URL(fileURLWithPath: bob))
        let result = try diqkd(["pool", "init", "--bits", "1024", "--alice", alice, "--bob", bob])
        #expect(result.status == 2)
        #expect(result.stderr.contains(bob) && result.stderr.contains("already exists"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: alice))
        #expect(try Data(contentsOf: URL(fileURLWithPath: bob)) == Data([7]))
    }

    @Test(arguments: [
        (["pool", "init", "--bits", "100", "--alice", "a", "--bob", "b"], "--bits"),
        (["pool", "init", "--bits", "0", "--alice", "a", "--bob", "b"], "--bits"),
        (["pool", "init", "--bits", "1099511627904", "--alice", "a", "--bob", "b"], "2^40"),
        (["pool", "status", "no-such.pool"], "no-such.pool"),
        (["bench", "mac", "--bytes", "0"], "--bytes"),
        (["bench", "mac", "--seconds", "0"], "--seconds"),
    ])
    func badInputExitsWithTwoAndOneSentence(arguments: [String], mentioned: String) throws {
        let dir = try temporaryDirectory()
        let result = try diqkd(arguments, in: dir)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(mentioned), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func statusRefusesAPoolOthersCanRead() throws {
        let dir = try temporaryDirectory()
        let alice = dir.appendingPathComponent("alice.pool").path, bob = dir.appendingPathComponent("bob.pool").path
        #expect(try diqkd(["pool", "init", "--bits", "1024", "--alice", alice, "--bob", bob]).status == 0)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: alice)
        let result = try diqkd(["pool", "status", alice])
        #expect(result.status == 2)
        #expect(result.stderr.contains("chmod 600 \(alice)"), "\(result.stderr)")
    }

    @Test func statusRefusesAFileThatIsNotAPool() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("junk").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(repeating: 1, count: 100), attributes: [.posixPermissions: 0o600])
        let result = try diqkd(["pool", "status", path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("not a diqkd key pool"), "\(result.stderr)")
    }

    @Test func benchMacWritesOneLinePerKernelAndTagVerify() throws {
        let result = try diqkd(["bench", "mac", "--bytes", "4096", "--seconds", "0.02", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        let objects = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
        let kernels = objects.compactMap { $0["kernel"] as? String }
        #expect(kernels.contains("portable") && kernels.last == "tag+verify")
        for object in objects {
            #expect(object["benchmark"] as? String == "mac")
            #expect((object["gbitPerSecond"] as? Double ?? 0) > 0)
        }
    }
}
