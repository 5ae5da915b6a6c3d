/**
 * Repository for the folder job tables (client migration 0006): plain functions, `db`/`trx` first,
 * the same statements on SQLite and PostgreSQL.
 */
import { randomUUID } from "node:crypto";
import type { Db } from "./download.repository.js";
import type { DownloadRow } from "./download.table.js";
import type {
  DownloadFolderRow,
  FolderFileRow,
  FolderFileUpdate,
  NewDownloadFolderRow,
  NewFolderFileRow,
} from "./download-folder.table.js";

/** The folder job writing into `destination`, if any. */
export async function findFolderByDestination(db: Db, destination: string): Promise<DownloadFolderRow | undefined> {
  return db.selectFrom("download_folder").selectAll().where("destination", "=", destination).executeTakeFirst();
}

/** One folder job by exact id. */
export async function getFolderRow(db: Db, id: string): Promise<DownloadFolderRow | undefined> {
  return db.selectFrom("download_folder").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Folder jobs whose id starts with `prefix` (at most 2: enough to see it is ambiguous). */
export async function findFolderRowsByIdPrefix(db: Db, prefix: string): Promise<DownloadFolderRow[]> {
  return db
    .selectFrom("download_folder")
    .selectAll()
    .where((eb) => eb(eb.fn<string>("substr", ["id", eb.val(1), eb.val(prefix.length)]), "=", prefix))
    .limit(2)
    .execute();
}

/** Every folder job, newest first. */
export async function listFolderRows(db: Db): Promise<DownloadFolderRow[]> {
  return db.selectFrom("download_folder").selectAll().orderBy("created_at", "desc").orderBy("id").execute();
}

/** Inserts a folder job. */
export async function insertFolder(db: Db, row: NewDownloadFolderRow): Promise<void> {
  await db.insertInto("download_folder").values(row).execute();
}

/** Updates a folder job. */
export async function updateFolder(db: Db, id: string, patch: Partial<NewDownloadFolderRow>): Promise<void> {
  await db.updateTable("download_folder").set(patch).where("id", "=", id).execute();
}

/** A folder's manifest, in path order. */
export async function listFolderFiles(db: Db, folderJobId: string): Promise<FolderFileRow[]> {
  return db
    .selectFrom("download_folder_file")
    .selectAll()
    .where("folder_job_id", "=", folderJobId)
    .orderBy("rel_path")
    .execute();
}

/** Adds a manifest row (a random id). */
export async function insertFolderFile(db: Db, row: Omit<NewFolderFileRow, "id">): Promise<void> {
  await db
    .insertInto("download_folder_file")
    .values({ id: randomUUID(), ...row })
    .execute();
}

/** Updates one manifest row. */
export async function updateFolderFile(db: Db, id: string, patch: FolderFileUpdate): Promise<void> {
  await db.updateTable("download_folder_file").set(patch).where("id", "=", id).execute();
}

/** The file jobs of a folder. */
export async function listFolderJobRows(db: Db, folderJobId: string): Promise<DownloadRow[]> {
  return db.selectFrom("download").selectAll().where("folder_job_id", "=", folderJobId).execute();
}

/** Deletes a folder job and its manifest (its file jobs are deleted by the caller, one by one). */
export async function deleteFolderRows(db: Db, id: string): Promise<void> {
  await db.deleteFrom("download_folder_file").where("folder_job_id", "=", id).execute();
  await db.deleteFrom("download_folder").where("id", "=", id).execute();
}

/**
 * {@link findCompletedByContent} for many roots at once (a folder's manifest: one query per 500
 * roots, not one per file): `<root>:<size>` → its completed downloads, newest first, 8 at most per (root, size).
 */
export async function findCompletedByRoots(
  db: Db,
  files: ReadonlyArray<{ readonly piecesRoot: string; readonly size: number }>,
): Promise<Map<string, DownloadRow[]>> {
  const wanted = new Set(files.map((f) => `${f.piecesRoot}:${f.size}`));
  const roots = [...new Set(files.map((f) => f.piecesRoot))];
  const out = new Map<string, DownloadRow[]>();
  for (let i = 0; i < roots.length; i += 500) {
    const rows = await db
      .selectFrom("download")
      .selectAll()
      .where("status", "=", "completed")
      .where("pieces_root", "in", roots.slice(i, i + 500))
      .orderBy("completed_at", "desc")
      .execute();
    for (const r of rows) {
      const key = `${r.pieces_root}:${Number(r.expected_size)}`;
      if (!wanted.has(key)) continue;
      const list = out.get(key) ?? [];
      if (list.length < 8) list.push(r);
      out.set(key, list);
    }
  }
  return out;
}

/** Completed downloads of (pieces root, size), newest first, 8 at most. */
export async function findCompletedByContent(db: Db, piecesRoot: string, size: number): Promise<DownloadRow[]> {
  return db
    .selectFrom("download")
    .selectAll()
    .where("status", "=", "completed")
    .where("pieces_root", "=", piecesRoot)
    .where("expected_size", "=", size)
    .orderBy("completed_at", "desc")
    .limit(8)
    .execute();
}
