/**
 * `<folder>.zip` for browsers (docs/web.md, "Folders as .zip"): the folder's
 * manifest (every file with its etag, every empty folder) fixes the archive's
 * bytes, so its ETag is a hash of the manifest and Range / If-Range resume it.
 * The RFC 9110 decision is response-plan.ts's, the same as for files; the body
 * streams from zip-bytes.ts with backpressure, nothing written to disk.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Catalog, FileEntry } from "../catalog/catalog.js";
import { FileChangedError } from "../../common/files/file-reader.js";
import { abortResponse, drained } from "../http/node-response.js";
import { planResponse } from "../../common/http/response-plan.js";
import { sendHead, sendNotFound, sendText, type Call } from "../http/route-call.js";
import type { ServeGrant } from "../http/serve-entry.js";
import { zipBytes, type CrcCache } from "./zip-bytes.js";
import { zipLayout, type ZipEntryInput, type ZipLayout } from "./zip-layout.js";

/** Most entries in a folder ZIP (a bigger folder gets 422). */
export const MAX_ZIP_ENTRIES = 100_000;

/** A folder's archive: its layout, the file of each entry, its validators. */
export interface FolderZip {
  readonly layout: ZipLayout;
  readonly files: readonly (FileEntry | undefined)[];
  /** Strong ETag: a hash of the manifest. */
  readonly etag: string;
  /** Newest modification time of its files, ms. */
  readonly modified: number;
}

/** The archive of `folderId` (entries under `<name>/`); undefined when it is not a folder, "too many" past the cap. */
export async function folderZip(
  catalog: Catalog,
  folderId: string,
  name: string,
  signal?: AbortSignal,
): Promise<FolderZip | "too many" | undefined> {
  const entries: ZipEntryInput[] = [];
  const files: (FileEntry | undefined)[] = [];
  const prefix = `${folderId}/`;
  let pageToken: string | undefined;
  let modified = 0;
  do {
    let page: Awaited<ReturnType<Catalog["list"]>>;
    try {
      page = await catalog.list({ folder: folderId, pageSize: 1000, pageToken, signal });
    } catch {
      return undefined;
    }
    // Files and empty folders, merged in id order (a folder sorts as its id + "/").
    const listed = [
      ...page.items.map((f) => ({ key: f.id, file: f as FileEntry | undefined, id: f.id })),
      ...(page.emptyFolders ?? []).map((d) => ({ key: `${d.id}/`, file: undefined, id: d.id })),
    ].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const x of listed) {
      const rel = x.id.slice(prefix.length);
      if (x.file === undefined) entries.push({ path: `${name}/${rel}/`, kind: "folder", size: 0, modified: 0 });
      else {
        entries.push({ path: `${name}/${rel}`, kind: "file", size: x.file.size, modified: x.file.modified.getTime() });
        modified = Math.max(modified, x.file.modified.getTime());
      }
      files.push(x.file);
    }
    if (entries.length > MAX_ZIP_ENTRIES) return "too many";
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined);
  if (entries.length === 0) {
    entries.push({ path: `${name}/`, kind: "folder", size: 0, modified: 0 });
    files.push(undefined);
  }
  const manifest = createHash("sha256").update(`peer-zip-1\n${name}\n`);
  entries.forEach((e, i) => {
    manifest.update(`${e.path}\u0000${files[i]?.etag ?? ""}\n`);
  });
  return { layout: zipLayout(entries), files, etag: `"zip-${manifest.digest("hex").slice(0, 40)}"`, modified };
}

/** Answers a GET or HEAD of a folder's ZIP (already authorised). */
export async function serveFolderZip(
  call: Call,
  grant: ServeGrant & { readonly crcs: CrcCache },
  folderId: string,
  name: string,
): Promise<void> {
  const zip = await folderZip(call.services.catalog, folderId, name, call.signal);
  if (zip === undefined) {
    sendNotFound(call);
    return;
  }
  if (zip === "too many") {
    sendText(call, 422, `the folder holds more than ${MAX_ZIP_ENTRIES} entries; download its sub-folders\n`);
    return;
  }
  const decision = planResponse({
    method: call.method,
    headers: call.req.headers,
    boundary: randomBytes(12).toString("hex"),
    file: {
      size: zip.layout.size,
      etag: zip.etag,
      modified: zip.modified,
      contentType: "application/zip",
      name: `${name}.zip`,
    },
  });
  if (call.method === "HEAD" || decision.body.kind !== "file") {
    sendHead(call, decision.status, decision.headers, decision.body.kind === "text" ? decision.body.text : undefined);
    return;
  }
  const permit = call.services.limiter?.acquire(grant.limiterKey);
  if (permit !== undefined && !permit.ok) {
    const seconds = String(Math.max(1, Math.ceil(permit.retryAfterMs / 1000)));
    sendText(call, 429, "too many concurrent downloads; retry later\n", { "Retry-After": seconds });
    return;
  }
  const planned = decision.body.parts.reduce((sum, p) => sum + (p.last - p.first + 1), 0);
  let admitted: number | undefined;
  try {
    // A link's budget counts archive bytes (admit gets the archive as the "file").
    const asEntry = { ...(zip.files.find((f) => f !== undefined) as FileEntry), size: zip.layout.size };
    if (grant.admit !== undefined && !(await grant.admit(asEntry, planned))) {
      sendNotFound(call);
      return;
    }
    admitted = planned;
    await stream(call, zip, decision.status, decision.headers, decision.body, grant.crcs);
  } finally {
    if (permit?.ok) permit.release();
    if (admitted !== undefined) await grant.settle?.(admitted, call.fileBytes);
  }
}

async function stream(
  call: Call,
  zip: FolderZip,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: { readonly parts: readonly { head: string; first: number; last: number }[]; readonly tail: string },
  crcs: CrcCache,
): Promise<void> {
  const { res, signal } = call;
  const send = async (chunk: string | Buffer, counted: boolean): Promise<void> => {
    call.bytes += chunk.length;
    if (counted) call.fileBytes += chunk.length;
    if (!res.write(chunk)) await drained(res, signal);
  };
  call.status = status;
  res.writeHead(status, { ...call.extraHeaders, ...headers });
  const source = { layout: zip.layout, files: zip.files, crcs, chunkSize: call.services.chunkSize, signal };
  try {
    for (const part of body.parts) {
      if (part.head !== "") await send(part.head, false);
      for await (const chunk of zipBytes(source, part.first, part.last)) {
        await send(chunk, true);
        if (signal.aborted) return;
      }
    }
    if (body.tail !== "") await send(body.tail, false);
    if (!signal.aborted) res.end();
  } catch (err) {
    if (signal.aborted) return;
    if (err instanceof FileChangedError) {
      // The manifest no longer holds: cut the response short rather than mix versions.
      call.services.logger.warn({ item: zip.files.find((f) => f !== undefined)?.id }, "file changed during a ZIP");
      abortResponse(res);
      return;
    }
    throw err;
  }
}
