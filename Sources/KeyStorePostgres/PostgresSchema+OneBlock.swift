import Foundation
import KeyStore
import Logging
import PostgresNIO

/// The one-block fast path of issuing: a server-side function and its caller.
extension PostgresSchema {
    /// The SQL state `issue_one_block` raises for a block whose chunks are missing or of the
    /// wrong length (its message is the block number); nothing was changed then.
    static let damagedState = "DQKD1"

    /// `issue_one_block(count, bytes)`: the common case of ``issue(count:bytes:waitForAll:_:_:)``
    /// in one round trip, as a server-side function (its statements run in the caller's one
    /// implicit transaction, each with a fresh snapshot).
    ///
    /// It claims the oldest block that no other transaction holds, that has room for the whole
    /// request and whose bytes past the cursor were never retrieved here (`has_delivered`
    /// false, so no delivered range lies ahead of the cursor), with `FOR UPDATE SKIP LOCKED`;
    /// reads the request's `count · bytes` bytes from the cursor on out of the chunks (after
    /// the lock, so current), overwrites them there with zeros, moves the cursor past them and
    /// retires the block when it is used up. It returns the block number, the first key's
    /// offset, the block's ID key and the keys' bytes in one row, or no row when no such block
    /// is free (the caller then takes the general path, which also spans blocks, skips
    /// delivered ranges and waits for locked blocks). The same carve as ``carve(count:bytes:from:)``
    /// restricted to one block without delivered ranges: consecutive keys from the cursor.
    var issueOneBlockFunction: String {
        """
        CREATE OR REPLACE FUNCTION \(quoted).issue_one_block(p_count BIGINT, p_bytes BIGINT)
        RETURNS TABLE (number BIGINT, first_offset BIGINT, id_key BYTEA, keys BYTEA)
        LANGUAGE plpgsql VOLATILE AS $fn$
        DECLARE
            b RECORD;
            total BIGINT := p_count * p_bytes;
            new_cursor BIGINT;
            first_index BIGINT;
            last_index BIGINT;
            found_chunks BIGINT;
            longest BIGINT;
            buffer BYTEA;
        BEGIN
            SELECT k.number, k.length, k.cursor, k.id_key INTO b FROM \(blocks) k
            WHERE k.length - k.cursor >= total AND NOT k.has_delivered
            ORDER BY k.number LIMIT 1 FOR UPDATE SKIP LOCKED;
            IF NOT FOUND THEN RETURN; END IF;
            new_cursor := b.cursor + total;
            first_index := b.cursor / \(KeyChunks.size);
            last_index := (new_cursor - 1) / \(KeyChunks.size);
            SELECT string_agg(c.bytes, ''::BYTEA ORDER BY c.idx), count(*), coalesce(max(length(c.bytes)), 0)
            INTO buffer, found_chunks, longest FROM \(chunks) c
            WHERE c.block = b.number AND c.idx BETWEEN first_index AND last_index;
            IF buffer IS NULL OR found_chunks <> last_index - first_index + 1 OR longest > \(KeyChunks.size)
               OR length(buffer) <> least(b.length, (last_index + 1) * \(KeyChunks.size)) - first_index * \(KeyChunks.size) THEN
                RAISE EXCEPTION USING ERRCODE = '\(Self.damagedState)', MESSAGE = b.number::TEXT;
            END IF;
            UPDATE \(chunks) c SET bytes = overlay(c.bytes PLACING
                    decode(repeat('00', (least(new_cursor, c.idx * \(KeyChunks.size) + length(c.bytes))
                                         - greatest(b.cursor, c.idx * \(KeyChunks.size)))::INT), 'hex')
                    FROM (greatest(b.cursor, c.idx * \(KeyChunks.size)) - c.idx * \(KeyChunks.size) + 1)::INT)
            WHERE c.block = b.number AND c.idx BETWEEN first_index AND (new_cursor - 1) / \(KeyChunks.size);
            IF new_cursor = b.length THEN
                INSERT INTO \(retired) SELECT k.number, k.session, k.id_key, k.fingerprint FROM \(blocks) k WHERE k.number = b.number;
                DELETE FROM \(chunks) c WHERE c.block = b.number;
                DELETE FROM \(blocks) k WHERE k.number = b.number;
            ELSE
                UPDATE \(blocks) k SET cursor = new_cursor WHERE k.number = b.number;
            END IF;
            RETURN QUERY SELECT b.number, b.cursor, b.id_key,
                substring(buffer FROM (b.cursor - first_index * \(KeyChunks.size) + 1)::INT FOR total::INT);
        END
        $fn$
        """
    }

    /// The fast path of ``issue(count:bytes:waitForAll:_:_:)``: nil when no free block can
    /// serve the whole request without the general path's care.
    func issueOneBlock(count: Int, bytes: Int, _ c: PostgresConnection, _ log: Logger) async throws -> [DeliveredKey]? {
        do {
            let rows = try await c.query("SELECT * FROM \(unescaped: quoted).issue_one_block(\(Int64(count)), \(Int64(bytes)))", logger: log)
            for try await (number, offset, idKey, keys) in rows.decode((Int64, Int64, ByteBuffer, ByteBuffer).self) {
                // The statement has committed: a damaged block's carved bytes are gone with it
                // (never delivered), and the caller skips the block from then on.
                let key = try IDKey.stored(Array(idKey.readableBytesView), block: UInt32(number))
                var all = Array(keys.readableBytesView)
                defer { for i in all.indices { all[i] = 0 } }
                guard all.count == count * bytes else { throw KeyStoreError.damaged(UInt32(number), "its chunks gave \(all.count) bytes for \(count * bytes)") }
                return (0..<count).map { i in
                    let range = KeyRange(block: UInt32(number), offset: UInt32(Int(offset) + i * bytes), length: UInt16(bytes))
                    return DeliveredKey(id: range.id(key), key: Array(all[(i * bytes)..<((i + 1) * bytes)]))
                }
            }
            return nil
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == Self.damagedState {
            let number = UInt32(error.serverInfo?[.message] ?? "") ?? 0
            throw KeyStoreError.damaged(number, "its chunks do not hold the bytes its cursor and length promise")
        }
    }
}
