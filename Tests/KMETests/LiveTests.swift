import Foundation
import KME
import Testing

/// Two KMEs on loopback with mutual TLS, fetched from by curl as the SAEs would.
@Suite struct LiveTests {
    @Test func curlFetchesTheSameKeyAtBothSites() async throws {
        try await LivePair.with { pair in
            let issued = try await pair.curl("\(pair.aliceURL)/api/v1/keys/sae-bob/enc_keys?number=3&size=256", as: "sae-alice")
            #expect(issued.httpCode == 200, "\(issued.stderr)")
            let keys = issued.reply.keys
            try #require(keys.count == 3 && keys.allSatisfy { $0.key.count == 32 })

            let ids = keys.map { #"{"key_ID": "\#($0.id)"}"# }.joined(separator: ",")
            let fetched = try await pair.curl("\(pair.bobURL)/api/v1/keys/sae-alice/dec_keys", as: "sae-bob",
                                              method: "POST", json: #"{"key_IDs": [\#(ids)]}"#)
            #expect(fetched.httpCode == 200)
            #expect(fetched.reply.keys.map(\.id) == keys.map(\.id))
            #expect(fetched.reply.keys.map(\.key) == keys.map(\.key))

            let again = try await pair.curl("\(pair.bobURL)/api/v1/keys/sae-alice/dec_keys?key_ID=\(keys[0].id)", as: "sae-bob")
            expectErrorBody(again.reply, 400)

            let status = try await pair.curl("\(pair.aliceURL)/api/v1/keys/sae-bob/status", as: "sae-alice")
            #expect(status.httpCode == 200 && status.reply.json["stored_key_count"] as? Int == (8 * 4096 - 3 * 32) * 8 / 256)
        }
    }

    @Test func intrudersAndCertificatelessClientsAreRefused() async throws {
        try await LivePair.with { pair in
            for url in ["\(pair.aliceURL)/api/v1/keys/sae-bob/enc_keys", "\(pair.aliceURL)/api/v1/keys/sae-bob/status",
                        "\(pair.bobURL)/api/v1/keys/sae-alice/dec_keys?key_ID=00000000-0000-0001-0000-000000000020"] {
                let eve = try await pair.curl(url, as: "sae-eve")
                expectErrorBody(eve.reply, 401)
            }
            // A subject with two CNs (sae-eve, sae-alice) names no one.
            let twoNames = try await pair.curl("\(pair.aliceURL)/api/v1/keys/sae-bob/enc_keys", as: "sae-twocn")
            expectErrorBody(twoNames.reply, 401)
            #expect(twoNames.reply.message?.contains("2 common names") == true, "\(twoNames.reply.json)")
            // The slave cannot take new keys at its own KME either.
            expectErrorBody(try await pair.curl("\(pair.bobURL)/api/v1/keys/sae-bob/enc_keys", as: "sae-bob").reply, 401)
            let anonymous = try await pair.curl("\(pair.aliceURL)/api/v1/keys/sae-bob/status", as: nil)
            #expect(anonymous.exitStatus != 0 && anonymous.httpCode == 0, "curl without a certificate: \(anonymous.exitStatus) \(anonymous.stderr)")
            print("curl without a client certificate: exit \(anonymous.exitStatus): \(anonymous.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }
}
