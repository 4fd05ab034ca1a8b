import Foundation
import Hummingbird
import HummingbirdTesting
import KME
import KeyStore
import Testing

/// `dec_keys` at Bob's KME for keys that `enc_keys` issued at Alice's, in memory.
@Suite struct DecKeysTests {
    /// Issues `number` keys of `size` bits at Alice's site.
    func issue(_ store: MemoryKeyStore, number: Int = 2, size: Int = 256) async throws -> [(id: String, key: Data)] {
        try await siteApp("alice", store: store).test(.router) { client in
            let reply = try await client.call(.get, "/api/v1/keys/sae-bob/enc_keys?number=\(number)&size=\(size)", as: "sae-alice")
            try #require(reply.status == 200)
            return reply.keys
        }
    }

    @Test func getAndPostReturnTheMastersBytesOnce() async throws {
        let stores = storePair()
        let issued = try await issue(stores.alice, number: 3)
        try await siteApp("bob", store: stores.bob).test(.router) { client in
            let first = try await client.call(.get, "/api/v1/keys/sae-alice/dec_keys?key_ID=\(issued[0].id)", as: "sae-bob")
            #expect(first.status == 200)
            #expect(first.keys.map(\.id) == [issued[0].id] && first.keys.map(\.key) == [issued[0].key])
            let body = #"{"key_IDs": [{"key_ID": "\#(issued[1].id)", "key_ID_extension": null}, {"key_ID": "\#(issued[2].id)"}], "key_IDs_extension": {"x": 1}}"#
            let rest = try await client.call(.post, "/api/v1/keys/sae-alice/dec_keys", as: "sae-bob", body: body, contentType: "application/json")
            #expect(rest.status == 200)
            #expect(rest.keys.map(\.key) == [issued[1].key, issued[2].key])
            // Each ID at most once per site.
            expectErrorBody(try await client.call(.get, "/api/v1/keys/sae-alice/dec_keys?key_ID=\(issued[0].id)", as: "sae-bob"), 400)
            expectErrorBody(try await client.call(.post, "/api/v1/keys/sae-alice/dec_keys", as: "sae-bob", body: body,
                                                  contentType: "application/json"), 400)
        }
    }

    /// Lenient bodies: bare-string IDs, upper-case UUIDs, JSON under a form content type, a
    /// real form, IDs in the query of a POST.
    @Test(arguments: ["bare", "upper", "formType", "form", "query"])
    func lenientKeyIDs(shape: String) async throws {
        let stores = storePair()
        let issued = try await issue(stores.alice, number: 2)
        let ids = issued.map(\.id)
        try await siteApp("bob", store: stores.bob).test(.router) { client in
            let path = "/api/v1/keys/sae-alice/dec_keys"
            let reply: Reply = switch shape {
            case "bare": try await client.call(.post, path, as: "sae-bob", body: #"{"key_IDs": ["\#(ids[0])", "\#(ids[1])"]}"#, contentType: "application/json")
            case "upper": try await client.call(.post, path, as: "sae-bob", body: #"{"key_IDs": [{"key_ID": "\#(ids[0].uppercased())"}, {"key_ID": "\#(ids[1])"}]}"#)
            case "formType": try await client.call(.post, path, as: "sae-bob", body: #"{"key_IDs": [{"key_ID": "\#(ids[0])"}, {"key_ID": "\#(ids[1])"}]}"#,
                                                   contentType: "application/x-www-form-urlencoded")
            case "form": try await client.call(.post, path, as: "sae-bob", body: "key_ID=\(ids[0])&key_ID=\(ids[1])",
                                               contentType: "application/x-www-form-urlencoded")
            default: try await client.call(.post, "\(path)?key_ID=\(ids[0]),\(ids[1])", as: "sae-bob")
            }
            #expect(reply.status == 200, "\(reply.json)")
            #expect(reply.keys.map(\.key) == issued.map(\.key))
        }
    }

    @Test func refusals() async throws {
        let stores = storePair()
        let issued = try await issue(stores.alice, number: 2)
        let id = issued[0].id
        let path = "/api/v1/keys/sae-alice/dec_keys"
        try await siteApp("bob", store: stores.bob).test(.router) { client in
            expectErrorBody(try await client.call(.get, "\(path)?key_ID=\(id)", as: "sae-alice"), 401)
            expectErrorBody(try await client.call(.get, "\(path)?key_ID=\(id)", as: "sae-eve"), 401)
            expectErrorBody(try await client.call(.get, "\(path)?key_ID=\(id)", as: nil), 401)
            expectErrorBody(try await client.call(.get, "/api/v1/keys/sae-eve/dec_keys?key_ID=\(id)", as: "sae-bob"), 400)
            expectErrorBody(try await client.call(.get, "/api/v1/keys/sae-bob/dec_keys?key_ID=\(id)", as: "sae-bob"), 400)
            expectErrorBody(try await client.call(.get, path, as: "sae-bob"), 400)
            expectErrorBody(try await client.call(.post, path, as: "sae-bob", body: #"{"key_IDs": []}"#), 400)
            expectErrorBody(try await client.call(.post, path, as: "sae-bob", body: #"{"key_IDs": "#), 400)
            expectErrorBody(try await client.call(.get, "\(path)?key_ID=not-a-uuid", as: "sae-bob"), 400)
            expectErrorBody(try await client.call(.get, "\(path)?key_ID=\(id)&key_ID=\(id)", as: "sae-bob"), 400)
            expectErrorBody(try await client.call(.get, "\(path)?key_ID=00000000-0000-0000-0000-000000000000", as: "sae-bob"), 400)
            let many = (0..<129).map { _ in UUID().uuidString }.joined(separator: ",")
            expectErrorBody(try await client.call(.get, "\(path)?key_ID=\(many)", as: "sae-bob"), 400)
            // All or none: a request with one unknown ID delivers neither.
            let mixed = #"{"key_IDs": [{"key_ID": "\#(id)"}, {"key_ID": "00000000-0000-0001-0000-000000000001"}]}"#
            expectErrorBody(try await client.call(.post, path, as: "sae-bob", body: mixed), 400)
            // None of the refusals spent the key.
            let good = try await client.call(.get, "\(path)?key_ID=\(id)", as: "sae-bob")
            #expect(good.keys.map(\.key) == [issued[0].key])
        }
    }

    @Test func storeFailureIs503() async throws {
        let stores = storePair()
        let issued = try await issue(stores.alice, number: 1)
        await stores.bob.setFailing(true)
        try await siteApp("bob", store: stores.bob).test(.router) { client in
            expectErrorBody(try await client.call(.get, "/api/v1/keys/sae-alice/dec_keys?key_ID=\(issued[0].id)", as: "sae-bob"), 503)
        }
    }
}
