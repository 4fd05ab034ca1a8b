import Testing
import Hashing
@testable import Protocol
import Simulation

/// Every class instance reachable from `root` through stored properties.
func reachableObjects(from root: Any) -> Set<ObjectIdentifier> {
    var seen = Set<ObjectIdentifier>()
    var visitedValues = 0
    func walk(_ value: Any) {
        visitedValues += 1
        guard visitedValues < 100_000 else { return }
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .class {
            let id = ObjectIdentifier(value as AnyObject)
            guard seen.insert(id).inserted else { return }
        }
        // Large bit arrays hold no references; skip their elements.
        if value is [UInt64] || value is [UInt32] || value is [Float] || value is BitVector { return }
        var current: Mirror? = mirror
        while let m = current {
            for child in m.children { walk(child.value) }
            current = m.superclassMirror
        }
    }
    walk(root)
    return seen
}

@Suite("Alice and Bob are separate")
struct IsolationTests {
    @Test func partiesShareNothingButTheChannelAfterMeasuring() {
        let source = BoxSource(box: QuantumDeviceModel(visibility: 0.998).behaviour, seed: 1)
        let devices = source.makeDevices()
        let configuration = smallConfiguration(rounds: 600_000)
        var alice = Alice(configuration: configuration, measurements: .device(devices.alice, inputRandomness: .init(seed: 1, stream: "alice.inputs")), randomness: .init(seed: 1, stream: "alice"))
        var bob = Bob(configuration: configuration, measurements: .device(devices.bob, inputRandomness: .init(seed: 1, stream: "bob.inputs")))
        // Before measuring, each party reaches nature only through its own device.
        let aliceBefore = reachableObjects(from: alice), bobBefore = reachableObjects(from: bob)
        #expect(aliceBefore.contains(ObjectIdentifier(devices.alice)))
        #expect(!aliceBefore.contains(ObjectIdentifier(devices.bob)))
        #expect(!bobBefore.contains(ObjectIdentifier(devices.alice)))
        let channel = InMemoryChannel()
        let result = ProtocolRun.run(alice: &alice, bob: &bob, channel: channel)
        #expect(!result.report.aborted)
        // After the run the parties hold no device and no common object: the transcript, which
        // the channel keeps, is the only thing they have shared.
        let aliceAfter = reachableObjects(from: alice), bobAfter = reachableObjects(from: bob)
        #expect(!aliceAfter.contains(ObjectIdentifier(devices.alice)))
        #expect(!bobAfter.contains(ObjectIdentifier(devices.bob)))
        #expect(!aliceAfter.contains(ObjectIdentifier(source)))
        #expect(aliceAfter.isDisjoint(with: bobAfter))
        #expect(!aliceAfter.contains(ObjectIdentifier(channel)) && !bobAfter.contains(ObjectIdentifier(channel)))
    }

    @Test func theTranscriptCarriesNoRawKeyBits() throws {
        let channel = InMemoryChannel()
        let source = BoxSource(box: QuantumDeviceModel(visibility: 0.998).behaviour, seed: 2)
        let devices = source.makeDevices()
        let configuration = smallConfiguration(rounds: 600_000)
        var alice = Alice(configuration: configuration, measurements: .device(devices.alice, inputRandomness: .init(seed: 2, stream: "alice.inputs")), randomness: .init(seed: 2, stream: "alice"))
        var bob = Bob(configuration: configuration, measurements: .device(devices.bob, inputRandomness: .init(seed: 2, stream: "bob.inputs")))
        let result = ProtocolRun.run(alice: &alice, bob: &bob, channel: channel)
        let kinds = channel.transcript.map(\.message.kind)
        #expect(kinds == ["testMarks", "inputs", "inputs", "testOutputs", "testOutputs", "syndromes", "reconciliationStatus",
                          "verification", "verified", "privacyAmplification"])
        // Outputs cross the channel only for test rounds.
        let marks = try #require(channel.transcript.compactMap { entry -> BitVector? in
            if case .testMarks(let m) = entry.message { return m } else { return nil }
        }.first)
        for entry in channel.transcript {
            if case .testOutputs(let outputs) = entry.message { #expect(outputs.count == marks.popCount) }
        }
        #expect(result.report.publicBits == channel.transcript.reduce(0) { $0 + $1.message.payloadBits })
    }
}

/// A channel that lets an active attacker change Alice's syndromes in transit.
final class TamperingChannel: PublicChannel {
    private let inner = InMemoryChannel()
    var transcript: [(from: Party, message: Message)] { inner.transcript }

    func send(_ message: Message, from sender: Party) {
        if case .syndromes(let plan, var bits) = message {
            bits[0].toggle()
            inner.send(.syndromes(plan: plan, bits: bits), from: sender)
        } else {
            inner.send(message, from: sender)
        }
    }

    func receive(for recipient: Party) -> Message? { inner.receive(for: recipient) }
}

@Suite("aborts")
struct AbortTests {
    @Test func aCorruptedSyndromeNeverYieldsDifferentKeys() {
        let source = BoxSource(box: QuantumDeviceModel(visibility: 0.998).behaviour, seed: 3)
        let devices = source.makeDevices()
        let configuration = smallConfiguration(rounds: 600_000)
        var alice = Alice(configuration: configuration, measurements: .device(devices.alice, inputRandomness: .init(seed: 3, stream: "alice.inputs")), randomness: .init(seed: 3, stream: "alice"))
        var bob = Bob(configuration: configuration, measurements: .device(devices.bob, inputRandomness: .init(seed: 3, stream: "bob.inputs")))
        let result = ProtocolRun.run(alice: &alice, bob: &bob, channel: TamperingChannel())
        #expect(result.report.aborted)
        let reason = result.report.abortReason ?? ""
        #expect(reason.contains("verification failed") || reason.contains("reconciliation failed"), "\(reason)")
        if case .key = result.alice { Issue.record("Alice kept a key") }
        if case .key = result.bob { Issue.record("Bob kept a key") }
    }
}
