/// A failure of a key-pool operation: a code to branch on and one sentence naming the file.
public struct KeyPoolError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong. New codes may be added.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// `createPair` would overwrite an existing file.
        public static let exists = Code(rawValue: "exists")
        /// The pool file is missing.
        public static let notFound = Code(rawValue: "notFound")
        /// Another open file description holds the pool's lock.
        public static let inUse = Code(rawValue: "inUse")
        /// The file can be read by its group or by others, or is not a regular file.
        public static let permissions = Code(rawValue: "permissions")
        /// The header is short, has the wrong magic or version, or disagrees with the file's size.
        public static let format = Code(rawValue: "format")
        /// Fewer unused bytes remain than a reservation needs.
        public static let exhausted = Code(rawValue: "exhausted")
        /// The requested position lies before the pool's position: those bytes are spent.
        public static let consumed = Code(rawValue: "consumed")
        /// The requested position lies further ahead than the skip window allows.
        public static let window = Code(rawValue: "window")
        /// A size or position that is not a positive multiple of 16 bytes, or too large.
        public static let invalidArgument = Code(rawValue: "invalidArgument")
        /// The operating system refused a read, write, sync or lock.
        public static let io = Code(rawValue: "io")
    }

    public let code: Code
    /// The file the error is about.
    public let path: String
    /// One sentence for the user, naming the file.
    public let message: String

    public init(_ code: Code, path: String, _ message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { message }
}
