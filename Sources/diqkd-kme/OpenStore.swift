import CommandLineSupport
import KME
import KeyStore

// SEAM (issue 15): connect the SQLite (GRDB) backend here. Until then the KME refuses to start,
// since serving from anything but the site's durable store could hand a key out twice.
/// The site's key store at `path`.
/// - Throws: ``CLIError`` (exit 2) while no durable backend is connected.
func openStore(path: String) throws -> any KeyStore {
    throw CLIError.usage("--store \(path): no durable key store backend is connected to diqkd-kme yet "
                         + "(the SQLite backend of issue 15 plugs in at openStore(path:)); refusing to start.")
}
