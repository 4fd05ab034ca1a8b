import Protocol

/// A node's report of one block: every field of the protocol's report (which both nodes
/// agree on) and, under `node`, what concerns this node and its link.
public struct NodeReport: Sendable, Codable {
    public struct Node: Sendable, Codable {
        /// This node's party.
        public let role: Party
        /// The peer's address as this node saw it.
        public let peer: String
        /// The block number both nodes used.
        public let block: UInt64
        /// The run's session ID (hex), chosen by the node that connected.
        public let session: String
        /// Bit offset of the run's authentication keys in the pre-shared pool.
        public let poolPositionBits: UInt64
        /// Pool bits left after the run (and its refill).
        public var poolRemainingBits: UInt64
        /// Bits of the new key moved into the pool before delivery.
        public let refillBits: Int
        /// Bytes of frames sent and received (headers, payloads, tags).
        public let wireBytes: Int
    }

    public var protocolReport: ProtocolReport
    public var node: Node

    /// The key handed to applications: the key minus the refill.
    public var deliveredKeyBits: Int { protocolReport.aborted ? 0 : protocolReport.keyBits - node.refillBits }

    public init(protocolReport: ProtocolReport, node: Node) {
        self.protocolReport = protocolReport
        self.node = node
    }

    private enum CodingKeys: String, CodingKey { case node, deliveredKeyBits }

    /// Reads a report this type wrote (a pending key's report, kept on disk).
    public init(from decoder: any Decoder) throws {
        protocolReport = try ProtocolReport(from: decoder)
        node = try decoder.container(keyedBy: CodingKeys.self).decode(Node.self, forKey: .node)
    }

    /// The protocol report's fields, then `node` and `deliveredKeyBits` beside them.
    public func encode(to encoder: any Encoder) throws {
        try protocolReport.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(node, forKey: .node)
        try container.encode(deliveredKeyBits, forKey: .deliveredKeyBits)
    }
}
