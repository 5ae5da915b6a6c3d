// Child process for database.test.ts: opens (and so migrates) the server
// database in argv[2] and writes one row, as `peer serve` or the CLI would.
import { openServerDatabase } from "../../../server/store/database.js";

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error("usage: open-database-child.ts DATA_DIR");
const db = await openServerDatabase(dataDir);
await db
  .insertInto("file_digest")
  .values({ item_id: `pid-${process.pid}`, etag: '"e"', sha256: "00" })
  .execute();
await db.destroy();
