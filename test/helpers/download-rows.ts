/** Test fixture: a queued download row with unique id and destination; `over` replaces fields. */
import type { NewDownloadRow } from "../../client/store/download.table.js";

let n = 0;

/** A fresh queued row (`job-<n>`, `/dl/f-<n>`), created at 1000 + n. */
export function downloadRow(over: Partial<NewDownloadRow> = {}): NewDownloadRow {
  n++;
  return {
    id: `job-${n}`,
    peer_url: "http://127.0.0.1:1",
    key_ref: "sha256:0000000000000000",
    transport: "connect",
    item_id: "s/f",
    file_name: "f",
    destination: `/dl/f-${n}`,
    part_path: `/dl/f-${n}.part`,
    expected_size: 10,
    expected_etag: '"e"',
    expected_sha256: null,
    committed_bytes: 0,
    status: "queued",
    attempts: 0,
    restarts: 0,
    created_at: 1000 + n,
    updated_at: 1000 + n,
    ...over,
  };
}
