#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation
import Hashing
import Protocol

/// The folder a one-shot run (`simulate`, `postprocess`) writes its keys and report into.
///
/// Rules, each for a fault seen in use:
/// - **One run at a time.** The folder is locked (`flock` on `.diqkd.lock`, which holds the
///   owner's process ID) for the whole run; a second run is refused with that ID. The lock goes
///   with the process, even under `kill -9`.
/// - **Keys are private from the first byte** (``SecretFiles``): created 0600, flushed, renamed.
/// - **A run's files appear together.** Alice's key, Bob's key and the report are staged in a
///   private folder (`.diqkd-tmp-PID`), which is then renamed to `.diqkd-commit` — the commit
///   point — and its files are moved to their final names. A killed run leaves either an
///   uncommitted stage, which the next run deletes (those keys were never delivered), or a
///   commit, which the next run finishes (``recover()``).
/// - **Nothing is lost or clobbered.** An earlier run's keys and report are never deleted or
///   overwritten: publishing a new result (keys, or an aborted run's report) first moves them
///   to `earlier/<UTC time>-<PID>/` (gathered in a hidden `earlier/.partial-…` folder and renamed
///   whole, so every folder under `earlier/` is a complete result), and the command says so.
package struct OutputFolder {
    package let path: String
    /// The descriptor holding the lock; closed (and the lock released) when the process ends.
    private let lockDescriptor: Int32

    package static let lockName = ".diqkd.lock"
    package static let commitName = ".diqkd-commit"
    /// The names a published result may have, in publishing order.
    package static let resultNames = ["alice.key", "bob.key", "report.json"]

    /// Creates the folder if needed (mode 0700), takes its lock and finishes or removes what a
    /// killed run left.
    /// - Parameter flag: the flag that named the folder, for messages.
    /// - Throws: `CLIError.usage` when the path is not a usable folder or another run holds it.
    package init(path: String, flag: String = "--out") throws {
        self.path = path
        if let folder = isFolder(path) {
            guard folder else { throw CLIError.usage("\(flag) \(path) exists and is not a folder.") }
        } else {
            do { try SecretFiles.makePrivateFolder(path) } catch {
                throw CLIError.usage("\(flag) \(path): cannot create the folder (\((error as? CLIError)?.message ?? "\(error)")).")
            }
        }
        guard access(path, W_OK | X_OK) == 0 else { throw CLIError.usage("\(flag) \(path) is not writable.") }
        let lockPath = "\(path)/\(Self.lockName)"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw CLIError.usage("\(flag) \(path): cannot open \(lockPath) (\(String(cString: strerror(errno)))).") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            let owner = count > 0 ? String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "?"
            throw CLIError.usage("\(flag) \(path) is in use by another diqkd run (process \(owner)); wait for it or choose another folder.")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
        lockDescriptor = fd
        try recover()
    }

    /// Finishes a commit a killed run left (`.diqkd-commit`) and destroys uncommitted stages
    /// and folders a killed run was discarding.
    package func recover() throws {
        if FileManager.default.fileExists(atPath: "\(path)/\(Self.commitName)") { try finishCommit() }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for name in entries where name.hasPrefix(SecretFiles.temporaryPrefix) {
            SecretFiles.destroyTree("\(path)/\(name)")
        }
        SecretFiles.syncFolder(path)
    }

    /// Publishes a run's result: its report, and the keys when it produced them.
    /// - Returns: where an earlier run's files were moved, if there were any.
    @discardableResult
    package func publish(report: ProtocolReport, supplement: ReportSupplement? = nil, aliceKey: SecretBits?, bobKey: SecretBits?) throws -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let reportBytes: [UInt8]
        do { reportBytes = Array(try encoder.encode(SupplementedReport(report: report, supplement: supplement))) + [0x0A] } catch {
            throw CLIError.failure("cannot encode the report: \(error)")
        }
        let stage = "\(path)/\(SecretFiles.temporaryPrefix)\(getpid())"
        SecretFiles.removeTree(stage)
        guard mkdir(stage, 0o700) == 0 else { throw CLIError.failure("cannot create \(stage): \(String(cString: strerror(errno)))") }
        var names: [String] = []
        if let aliceKey, let bobKey {
            try SecretFiles.create("\(stage)/alice.key", bytes: aliceKey.withBits { $0.bytesMSBFirst() })
            try SecretFiles.create("\(stage)/bob.key", bytes: bobKey.withBits { $0.bytesMSBFirst() })
            names = ["alice.key", "bob.key"]
        }
        try SecretFiles.create("\(stage)/report.json", bytes: reportBytes)
        names.append("report.json")
        let earlier = Self.resultNames.contains { FileManager.default.fileExists(atPath: "\(path)/\($0)") }
            ? "earlier/\(Self.timestamp())-\(getpid())" : ""
        try SecretFiles.create("\(stage)/manifest", bytes: Array((names.joined(separator: " ") + "\n" + earlier + "\n").utf8))
        SecretFiles.syncFolder(stage)
        try SecretFiles.rename(stage, to: "\(path)/\(Self.commitName)")
        try finishCommit()
        return earlier.isEmpty ? nil : "\(path)/\(earlier)"
    }

    /// Moves a committed result to its final names. Idempotent, so that a run killed half-way
    /// is finished by the next: a name present both in the commit and at the top is an earlier
    /// file (the new one has not moved yet), as is a top-level name the new result does not
    /// have; both go to the earlier folder before the new files move up.
    private func finishCommit() throws {
        let commit = "\(path)/\(Self.commitName)"
        guard let manifest = try? String(contentsOfFile: "\(commit)/manifest", encoding: .utf8) else {
            // Renamed before its manifest was flushed cannot happen (the stage is synced first).
            // Without one, a commit holding no result file is the remains of a removal that a
            // kill cut short (before the removal below went through a rename): nothing to keep.
            // One that still holds results is not ours to interpret.
            let left = (try? FileManager.default.contentsOfDirectory(atPath: commit)) ?? []
            guard left.allSatisfy({ !Self.resultNames.contains($0) }) else {
                throw CLIError.failure("\(commit) has no manifest; move it away by hand")
            }
            SecretFiles.destroyTree(commit)
            SecretFiles.syncFolder(path)
            return
        }
        let lines = manifest.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let names = Set(lines.first?.split(separator: " ").map(String.init) ?? [])
        let earlier = lines.count > 1 ? lines[1] : ""
        let fm = FileManager.default
        // The earlier result is gathered in `earlier/.partial-<name>` and appears under its name
        // with one rename, so `earlier/` only ever shows complete results, whenever a kill falls.
        let target = "\(path)/\(earlier.isEmpty ? "earlier/unnamed-\(getpid())" : earlier)"
        let partial = SecretFiles.parentFolder(of: target) + "/.partial-" + (target.split(separator: "/").last.map(String.init) ?? "")
        for name in Self.resultNames where fm.fileExists(atPath: "\(path)/\(name)") {
            guard !names.contains(name) || fm.fileExists(atPath: "\(commit)/\(name)") else { continue }
            try SecretFiles.makePrivateFolder("\(path)/earlier")
            try SecretFiles.makePrivateFolder(partial)
            try SecretFiles.rename("\(path)/\(name)", to: "\(partial)/\(name)")
        }
        if fm.fileExists(atPath: partial) {
            SecretFiles.syncFolder(partial)
            if fm.fileExists(atPath: target) {
                // A folder a release before the partial folders filled in part: complete it.
                for name in (try? fm.contentsOfDirectory(atPath: partial)) ?? [] {
                    try SecretFiles.rename("\(partial)/\(name)", to: "\(target)/\(name)")
                }
                try destroyOutOfSight(partial, as: "partial-\(getpid())")
            } else {
                try SecretFiles.rename(partial, to: target)
            }
        }
        for name in Self.resultNames where names.contains(name) && fm.fileExists(atPath: "\(commit)/\(name)") {
            try SecretFiles.rename("\(commit)/\(name)", to: "\(path)/\(name)")
        }
        // Out of sight with one rename before its manifest goes, so a kill during the removal
        // leaves a temporary folder that the next open destroys, not a commit without manifest.
        try destroyOutOfSight(commit, as: "done-commit-\(getpid())")
    }

    /// Renames `folder` (inside this folder) to a temporary name with one flushed rename, then
    /// overwrites and removes it: a kill half-way leaves a temporary entry, which ``recover()``
    /// destroys when the folder is next opened, never a half-removed folder under its name.
    package func destroyOutOfSight(_ folder: String, as temporaryName: String) throws {
        let doomed = "\(path)/\(SecretFiles.temporaryPrefix)\(temporaryName)"
        try SecretFiles.rename(folder, to: doomed)
        SecretFiles.destroyTree(doomed)
        SecretFiles.syncFolder(path)
    }

    static func timestamp() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: Date())
    }
}
