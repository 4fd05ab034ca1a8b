import Foundation
import Hummingbird
import HummingbirdTesting
import KME
import KeyStore
import Testing

/// The KME's routes in memory (`app.test(.router)`), callers named by a test header.
@Suite struct RouterTests {
    @Test func statusReportsTheConfigurationAndStoredKeys() async throws {
        let stores = storePair(blocks: 3, bytes: 1000)
        try await siteApp("alice", store: stores.alice).test(.router) { client in
            let reply = try await client.call(.get, "/api/v1/keys/sae-bob/status", as: "sae-alice")
            #expect(reply.status == 200)
            #expect(reply.json["source_KME_ID"] as? String == "kme-alice")
            #expect(reply.json["target_KME_ID"] as? String == "kme-bob")
            #expect(reply.json["master_SAE_ID"] as? String == "sae-alice")
            #expect(reply.json["slave_SAE_ID"] as? String == "sae-bob")
            #expect(reply.json["key_size"] as? Int == 256)
            #expect(reply.json["stored_key_count"] as? Int == 3 * 1000 * 8 / 256)
            #expect(reply.json["max_key_per_request"] as? Int == 128)
            #expect(reply.json["min_key_size"] as? Int == 64)
            // The configured 65,535 bytes, lowered to the longest key one block can give.
            #expect(reply.json["max_key_size"] as? Int == 1000 * 8)
            #expect(reply.json["max_SAE_ID_count"] as? Int == 0)
            #expect((reply.json["max_key_count"] as? Int ?? 0) >= 93)
            // The slave may ask its own KME too.
            #expect(try await client.call(.get, "/api/v1/keys/sae-bob/status", as: "sae-bob").status == 200)
            _ = try await client.call(.get, "/api/v1/keys/sae-bob/enc_keys?number=4", as: "sae-alice")
            let after = try await client.call(.get, "/api/v1/keys/sae-bob/status", as: "sae-alice")
            #expect(after.json["stored_key_count"] as? Int == (3 * 1000 - 4 * 32) * 8 / 256)
        }
    }

    @Test(arguments: [
        ("sae-eve", "/api/v1/keys/sae-bob/status", 401),
        (nil, "/api/v1/keys/sae-bob/status", 401),
        ("sae-alice", "/api/v1/keys/sae-eve/status", 400),
        ("sae-alice", "/api/v1/keys/sae-alice/status", 400),
        ("sae-alice", "/api/v1/nothing", 404),
    ] as [(String?, String, Int)])
    func statusRefusals(caller: String?, uri: String, status: Int) async throws {
        try await siteApp("alice", store: storePair().alice).test(.router) { client in
            expectErrorBody(try await client.call(.get, uri, as: caller), status)
        }
    }

    @Test func encKeysGetDefaultsAndQuery() async throws {
        try await siteApp("alice", store: storePair().alice).test(.router) { client in
            let one = try await client.call(.get, "/api/v1/keys/sae-bob/enc_keys", as: "sae-alice")
            #expect(one.status == 200)
            #expect(one.keys.count == 1 && one.keys[0].key.count == 32)
            #expect(UUID(uuidString: one.keys[0].id) != nil && one.keys[0].id == one.keys[0].id.lowercased())
            let two = try await client.call(.get, "/api/v1/keys/sae-bob/enc_keys?number=2&size=128", as: "sae-alice")
            #expect(two.keys.map(\.key.count) == [16, 16])
            #expect(Set(two.keys.map(\.id)).count == 2 && !two.keys.map(\.id).contains(one.keys[0].id))
            let spaced = try await client.call(.get, "/api/v1/keys/sae-bob/enc_keys?number=%203&size=64%20", as: "sae-alice")
            #expect(spaced.keys.map(\.key.count) == [8, 8, 8])
        }
    }

    /// Lenient bodies: unknown fields, nulls, numbers as strings or integral reals, JSON under a
    /// form content type, a real form, an empty body, optional extensions.
    @Test(arguments: [
        (#"{"number": 2, "size": 64}"#, "application/json", 2, 8),
        (#"{"number": "3", "size": "128", "colour": "blue"}"#, "application/json", 3, 16),
        (#"{"number": null, "size": null, "additional_slave_SAE_IDs": null, "extension_mandatory": null}"#, "application/json", 1, 32),
        (#"{"number": 2.0, "extension_optional": [{"x": 1}], "extension_mandatory": []}"#, "application/json", 2, 32),
        (#"{"number": 2, "size": 64}"#, "application/x-www-form-urlencoded", 2, 8),
        (#"{"number": 2, "size": 64}"#, "text/plain", 2, 8),
        ("number=4&size=72", "application/x-www-form-urlencoded", 4, 9),
        ("", "application/json", 1, 32),
        (#"{"additional_slave_SAE_IDs": [], "extension_mandatory": {}}"#, "application/json", 1, 32),
        ("\u{FEFF}" + #"{"number": 2}"#, "application/json", 2, 32),
    ] as [(String, String, Int, Int)])
    func encKeysPostLenient(body: String, contentType: String, number: Int, bytes: Int) async throws {
        try await siteApp("alice", store: storePair().alice).test(.router) { client in
            let reply = try await client.call(.post, "/api/v1/keys/sae-bob/enc_keys", as: "sae-alice", body: body, contentType: contentType)
            #expect(reply.status == 200, "\(reply.json)")
            #expect(reply.keys.map(\.key.count) == Array(repeating: bytes, count: number))
        }
    }

    @Test(arguments: [
        ("GET", "?size=257", nil, "sae-alice", 400),
        ("GET", "?size=56", nil, "sae-alice", 400),
        ("GET", "?size=524288", nil, "sae-alice", 400),
        ("GET", "?size=0", nil, "sae-alice", 400),
        ("GET", "?number=0", nil, "sae-alice", 400),
        ("GET", "?number=129", nil, "sae-alice", 400),
        ("GET", "?number=abc", nil, "sae-alice", 400),
        ("GET", "?number=-1", nil, "sae-alice", 400),
        ("POST", "", #"{"number": 129}"#, "sae-alice", 400),
        ("POST", "", #"{"size": "twelve"}"#, "sae-alice", 400),
        ("POST", "", #"{"number": true}"#, "sae-alice", 400),
        ("POST", "", #"{"number": 1.5}"#, "sae-alice", 400),
        ("POST", "", #"{"number": 1,"#, "sae-alice", 400),
        // Bodies that are no request object are refused, never served with the defaults.
        ("POST", "", "hello", "sae-alice", 400),
        ("POST", "", "null", "sae-alice", 400),
        ("POST", "", #""x""#, "sae-alice", 400),
        ("POST", "", "[]", "sae-alice", 400),
        ("POST", "", #"{"additional_slave_SAE_IDs": ["sae-carol"]}"#, "sae-alice", 400),
        ("POST", "", #"{"extension_mandatory": [{"route": "fast"}]}"#, "sae-alice", 400),
        ("POST", "", #"{"extension_mandatory": {"route": "fast"}}"#, "sae-alice", 400),
        ("GET", "", nil, "sae-bob", 401),
        ("GET", "", nil, "sae-eve", 401),
        ("GET", "", nil, nil, 401),
        ("POST", "", "{}", "sae-eve", 401),
        ("GET", "?number=8&size=65536", nil, "sae-alice", 503),
    ] as [(String, String, String?, String?, Int)])
    func encKeysRefusals(method: String, query: String, body: String?, caller: String?, status: Int) async throws {
        let store = storePair(blocks: 4, bytes: 8192).alice
        try await siteApp("alice", store: store).test(.router) { client in
            let reply = try await client.call(method == "GET" ? .get : .post, "/api/v1/keys/sae-bob/enc_keys\(query)",
                                              as: caller, body: body, contentType: body == nil ? nil : "application/json")
            expectErrorBody(reply, status)
        }
        // A refusal takes no key.
        #expect(try await store.status().storedKeyBits == 4 * 8192 * 8)
    }

    @Test func encKeysForAnotherSlaveIsABadRequest() async throws {
        try await siteApp("alice", store: storePair().alice).test(.router) { client in
            expectErrorBody(try await client.call(.get, "/api/v1/keys/sae-eve/enc_keys", as: "sae-alice"), 400)
        }
    }

    @Test func storeFailureIs503() async throws {
        let store = storePair().alice
        await store.setFailing(true)
        try await siteApp("alice", store: store).test(.router) { client in
            expectErrorBody(try await client.call(.get, "/api/v1/keys/sae-bob/status", as: "sae-alice"), 503)
            expectErrorBody(try await client.call(.get, "/api/v1/keys/sae-bob/enc_keys", as: "sae-alice"), 503)
        }
    }

    /// Each KME serves only its site's half: the slave site's KME must not carve keys (it would
    /// hand the master the ranges the master's KME hands out, and the slave would then find them
    /// spent), and the master site's KME does not hand keys out by ID.
    @Test func eachSiteServesOnlyItsHalf() async throws {
        let stores = storePair(blocks: 2, bytes: 1000)
        let issued = try await siteApp("alice", store: stores.alice).test(.router) { client in
            let reply = try await client.call(.get, "/api/v1/keys/sae-bob/enc_keys?number=2", as: "sae-alice")
            let issued = (reply.json["keys"] as? [[String: Any]] ?? []).compactMap { $0["key_ID"] as? String }
            #expect(issued.count == 2)
            let byID = try await client.call(.get, "/api/v1/keys/sae-alice/dec_keys?key_ID=\(issued[0])", as: "sae-bob")
            #expect(byID.status == 401 && (byID.json["message"] as? String)?.contains("master site") == true, "\(byID.json)")
            return issued
        }
        try await siteApp("bob", store: stores.bob).test(.router) { client in
            let carve = try await client.call(.get, "/api/v1/keys/sae-bob/enc_keys?number=1", as: "sae-alice")
            #expect(carve.status == 401 && (carve.json["message"] as? String)?.contains("slave site") == true, "\(carve.json)")
            // Nothing was carved at Bob's site: the slave still gets both keys.
            for id in issued {
                #expect(try await client.call(.get, "/api/v1/keys/sae-alice/dec_keys?key_ID=\(id)", as: "sae-bob").status == 200)
            }
        }
    }

    /// A damaged block is skipped by enc_keys (logged once) and is a 503 naming it for
    /// dec_keys; every other block keeps serving; an ID of a block the slave site has not
    /// stored yet is a 503 (retry later), not a 400.
    @Test func damagedAndUnsettledBlocksAre503() async throws {
        let stores = storePair(blocks: 3, bytes: 1000)
        await stores.alice.damage(1)
        await stores.bob.damage(2)
        let issued = try await siteApp("alice", store: stores.alice).test(.router) { client in
            let first = try await client.call(.get, "/api/v1/keys/sae-bob/enc_keys?number=1", as: "sae-alice")
            let second = try await client.call(.get, "/api/v1/keys/sae-bob/enc_keys?number=31&size=256", as: "sae-alice")
            #expect(first.status == 200 && second.status == 200, "\(first.json) \(second.json)")
            return (first.keys + second.keys).map(\.id)
        }
        #expect(issued.count == 32)
        try await siteApp("bob", store: stores.bob).test(.router) { client in
            // Block 2's key (the first issued) is damaged at Bob's site; block 3's is not.
            let damaged = try await client.call(.get, "/api/v1/keys/sae-alice/dec_keys?key_ID=\(issued[0])", as: "sae-bob")
            expectErrorBody(damaged, 503)
            #expect(damaged.message?.contains("block 2") == true, "\(damaged.json)")
            let healthy = try await client.call(.get, "/api/v1/keys/sae-alice/dec_keys?key_ID=\(issued[31])", as: "sae-bob")
            #expect(healthy.status == 200, "\(healthy.json)")
            let future = MemoryKeyStore.id(9, 0..<32).uuidString.lowercased()
            let unsettled = try await client.call(.get, "/api/v1/keys/sae-alice/dec_keys?key_ID=\(future)", as: "sae-bob")
            expectErrorBody(unsettled, 503)
            #expect(unsettled.message?.contains("Retry later") == true, "\(unsettled.json)")
        }
    }

    /// `status` counts only keys that enc_keys can hand out: two blocks of 52 bytes hold one
    /// key of 32 bytes each, and none of 64.
    @Test func statusAdvertisesOnlyWhatCanBeDelivered() async throws {
        let store = MemoryKeyStore(blocks: testBlocks(count: 2, bytes: 52))
        try await siteApp("alice", store: store).test(.router) { client in
            let status = try await client.call(.get, "/api/v1/keys/sae-bob/status", as: "sae-alice")
            #expect(status.json["stored_key_count"] as? Int == 2, "\(status.json)")
            #expect(status.json["max_key_size"] as? Int == 52 * 8, "\(status.json)")
            #expect(try await client.call(.get, "/api/v1/keys/sae-bob/enc_keys?number=2", as: "sae-alice").status == 200)
            let empty = try await client.call(.get, "/api/v1/keys/sae-bob/status", as: "sae-alice")
            #expect(empty.json["stored_key_count"] as? Int == 0 && empty.json["max_key_size"] as? Int == 20 * 8, "\(empty.json)")
        }
    }

    /// A method the API does not define on one of its paths is 405 with `Allow`.
    @Test func otherMethodsAre405() async throws {
        try await siteApp("alice", store: storePair().alice).test(.router) { client in
            for (method, path, allow) in [(HTTPRequest.Method.put, "status", "GET"), (.delete, "enc_keys", "GET, POST"), (.patch, "dec_keys", "GET, POST")] {
                let reply = try await client.execute(uri: "/api/v1/keys/sae-bob/\(path)", method: method, headers: [.authorization: "sae-alice"]) { $0 }
                #expect(reply.status == .methodNotAllowed && reply.headers[.allow] == allow, "\(method) \(path): \(reply.status)")
                #expect(String(buffer: reply.body).contains("\"message\""), "\(String(buffer: reply.body))")
            }
            expectErrorBody(try await client.call(.get, "/api/v1/keys/sae-bob/nothing", as: "sae-alice"), 404)
        }
    }
}
