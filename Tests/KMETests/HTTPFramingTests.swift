import Foundation
import Testing

/// Raw requests over mutual TLS against the live pair, from Python's `ssl` (curl cannot send
/// malformed requests): HTTP/1.0 and `Connection: close` are answered and the connection
/// closed, and requests the parser rejects get the standard's Error object.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "needs /usr/bin/python3"))
struct HTTPFramingTests {
    /// Sends each raw request on a fresh connection; per request, the reply's first line,
    /// whether the server closed within 3 s, and the body.
    static let script = #"""
        import json, socket, ssl, sys, time
        folder, port = sys.argv[1], int(sys.argv[2])
        context = ssl.create_default_context(cafile=folder + "/ca.pem")
        context.load_cert_chain(folder + "/sae-alice.pem", folder + "/sae-alice.key")
        context.check_hostname = False
        out = []
        def complete(data):
            head, sep, body = data.partition(b"\r\n\r\n")
            if not sep:
                return False
            length = [l.split(b":", 1)[1] for l in head.lower().split(b"\r\n") if l.startswith(b"content-length:")]
            return len(body) >= int(length[0]) if length else False
        for raw in json.loads(sys.stdin.read()):
            connection = context.wrap_socket(socket.create_connection(("127.0.0.1", port)))
            connection.sendall(raw.encode("latin-1"))
            # The whole answer (a loaded machine may take seconds), then 2 s for the close.
            data, closed, deadline = b"", False, time.time() + 60
            try:
                while time.time() < deadline:
                    connection.settimeout(2 if complete(data) else max(0.1, deadline - time.time()))
                    chunk = connection.recv(65536)
                    if not chunk:
                        closed = True
                        break
                    data += chunk
            except socket.timeout:
                pass
            head, _, body = data.decode("latin-1").partition("\r\n\r\n")
            out.append({"line": head.split("\r\n")[0], "head": head.lower(), "closed": closed, "body": body})
        print(json.dumps(out))
        """#

    func send(_ requests: [String], to pair: LivePair) async throws -> [[String: Any]] {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("framing-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: requests).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let result = try await run("/bin/sh", ["-c", "/usr/bin/python3 -c \"$0\" \"$1\" \"$2\" < \"$3\"", Self.script,
                                               pair.pki.folder.path, "\(pair.alicePort)", input.path])
        let replies = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        return try #require(replies, "python: \(result.stderr)")
    }

    @Test func oldAndClosingRequestsCloseAndMalformedOnesGetTheErrorBody() async throws {
        try await LivePair.with { pair in
            let status = "GET /api/v1/keys/sae-bob/status"
            let replies = try await send([
                "\(status) HTTP/1.0\r\n\r\n",
                "\(status) HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                "\(status) HTTP/1.1\r\nHost: kme\r\nConnection: close\r\n\r\n",
                "\(status) HTTP/1.1\r\nHost: kme\r\n\r\n",
                "NOT HTTP\r\n\r\n",
                "\(status) HTTP/1.1\r\nHost: kme\r\nContent-Length: abc\r\n\r\n",
                "\(status) HTTP/1.1\r\nHost: kme\r\nX: " + String(repeating: "a", count: 20_000) + "\r\n\r\n",
            ], to: pair)
            try #require(replies.count == 7)
            for reply in replies[0...1] {
                #expect(reply["line"] as? String == "HTTP/1.0 200 OK" && reply["closed"] as? Bool == true, "\(reply)")
                #expect((reply["head"] as? String)?.contains("connection: close") == true, "\(reply)")
            }
            #expect(replies[2]["line"] as? String == "HTTP/1.1 200 OK" && replies[2]["closed"] as? Bool == true, "\(replies[2])")
            #expect(replies[3]["line"] as? String == "HTTP/1.1 200 OK" && replies[3]["closed"] as? Bool == false, "\(replies[3])")
            for reply in replies[4...] {
                #expect(reply["line"] as? String == "HTTP/1.1 400 Bad Request" && reply["closed"] as? Bool == true, "\(reply)")
                let body = try JSONSerialization.jsonObject(with: Data((reply["body"] as? String ?? "").utf8)) as? [String: Any]
                #expect((body?["message"] as? String)?.isEmpty == false && body?["details"] is [Any], "\(reply)")
            }
        }
    }
}
