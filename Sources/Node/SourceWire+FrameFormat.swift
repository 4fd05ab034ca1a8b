@_exported import SourceLink
import Transport

// The source link's codec lives in the SourceLink module, which does not depend on the
// transport (and so not on SwiftNIO); here its framing becomes a transport `FrameFormat`.
// Re-exported so that users of Node keep reaching `SourceWire` through `import Node`.
extension SourceWire.Format: FrameFormat {}
