/**
 * What a share link opens, parsed from what the user typed (pure): one file
 * (`share/a/b.txt`) or one folder (`share/dir/`, `share/`: a trailing slash
 * means folder). Checked with the same rules as item ids (item-id.ts).
 */
import { MAX_ITEM_ID_LENGTH, parseItemId } from "../catalog/item-id.js";

/** A parsed link target. */
export type LinkTarget =
  /** One file; `name` is its basename (the last segment of the URL). */
  | { readonly kind: "file"; readonly itemId: string; readonly name: string }
  /** One folder: `folderId` is `share` or `share/a/b` (no trailing slash); `name` its last segment. */
  | { readonly kind: "folder"; readonly folderId: string; readonly name: string };

/** Parses a stored or typed target; a message saying what is wrong otherwise. */
export function parseLinkTarget(text: string): { ok: true; value: LinkTarget } | { ok: false; error: string } {
  const bad = (why: string) => ({ ok: false as const, error: `"${text.slice(0, 200)}" ${why}` });
  if (text.length === 0 || text.length > MAX_ITEM_ID_LENGTH)
    return bad("is not an item id; write share/path/file or share/folder/");
  if (text.endsWith("/")) {
    const folderId = text.slice(0, -1);
    const parsed = folderId.includes("/") ? parseItemId(folderId) : parseItemId(`${folderId}/x`);
    if (parsed === undefined) return bad("is not a folder id; write share/ or share/folder/ (no empty, . or .. parts)");
    const name = folderId.split("/").pop() as string;
    return { ok: true, value: { kind: "folder", folderId, name } };
  }
  const parsed = parseItemId(text);
  if (parsed === undefined) return bad("is not an item id; write share/path/file (or share/folder/ for a folder)");
  return {
    ok: true,
    value: { kind: "file", itemId: text, name: parsed.segments[parsed.segments.length - 1] as string },
  };
}

/** The stored form of a target (folders keep their trailing slash). */
export function formatLinkTarget(target: LinkTarget): string {
  return target.kind === "file" ? target.itemId : `${target.folderId}/`;
}
