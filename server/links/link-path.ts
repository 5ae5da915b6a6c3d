/**
 * Pure parsing of `/v1/links/<token>/<rest>` and what the rest names inside a
 * link's target. Each segment is percent-decoded once (route.ts rules): a
 * segment that decodes to empty, `.`, `..`, or holds `/`, `\` or NUL makes the
 * whole path "not found", like an unknown token.
 */
import { decodeSegment, targetPath } from "../http/route.js";
import type { LinkTarget } from "./link-target.js";

/** Path prefix of share links. */
export const LINKS_PREFIX = "/v1/links/";

/** A link request path, split. */
export type LinkPath =
  | { readonly kind: "outside" }
  | { readonly kind: "not-found" }
  /**
   * `segments`: the decoded path after the token; `folder`: it ended with `/` (or was empty);
   * `seedName`: the seed form `<token>//<name>/<path>` (BEP 19 web seed of a folder torrent).
   */
  | {
      readonly kind: "match";
      readonly token: string;
      readonly segments: readonly string[];
      readonly folder: boolean;
      readonly seedName?: string | undefined;
    };

/** Splits a request target under {@link LINKS_PREFIX}. */
export function parseLinkPath(target: string): LinkPath {
  const path = targetPath(target);
  if (!path.startsWith(LINKS_PREFIX)) return { kind: "outside" };
  const raw = path.slice(LINKS_PREFIX.length).split("/");
  const token = raw.shift() ?? "";
  // `/v1/links/<token>` alone (no slash after the token) names nothing.
  if (token === "" || raw.length === 0) return { kind: "not-found" };
  const folder = raw[raw.length - 1] === "";
  if (folder) raw.pop();
  // An empty segment right after the token cannot be a name: it marks the seed form,
  // whose next segment is the torrent's name (the folder's own name).
  let seedName: string | undefined;
  if (raw.length >= 2 && raw[0] === "") {
    raw.shift();
    seedName = decodeSegment(raw.shift() as string);
    if (seedName === undefined) return { kind: "not-found" };
  }
  const segments: string[] = [];
  for (const part of raw) {
    const d = decodeSegment(part);
    if (d === undefined) return { kind: "not-found" };
    segments.push(d);
  }
  return seedName === undefined
    ? { kind: "match", token, segments, folder }
    : { kind: "match", token, segments, folder, seedName };
}

/** What a link request asks for inside the link's target. */
export type LinkResource =
  | { readonly kind: "not-found" }
  | { readonly kind: "file"; readonly itemId: string }
  | { readonly kind: "listing"; readonly folderId: string; readonly segments: readonly string[] };

/**
 * A file link answers only `<token>/<its file name>`; a folder link answers
 * `<token>/` and `<token>/<sub>/` (listings) and `<token>/<path>` (files),
 * never anything outside its folder.
 */
export function resolveLinkResource(
  target: LinkTarget,
  segments: readonly string[],
  folder: boolean,
  seedName?: string | undefined,
): LinkResource {
  // The seed form names files only, of a folder link, under the folder's own name.
  if (seedName !== undefined && (target.kind !== "folder" || seedName !== target.name || folder)) {
    return { kind: "not-found" };
  }
  if (target.kind === "file") {
    return !folder && segments.length === 1 && segments[0] === target.name
      ? { kind: "file", itemId: target.itemId }
      : { kind: "not-found" };
  }
  if (folder) return { kind: "listing", folderId: [target.folderId, ...segments].join("/"), segments };
  if (segments.length === 0) return { kind: "not-found" };
  return { kind: "file", itemId: [target.folderId, ...segments].join("/") };
}

/** `<base>/v1/links/<token>/`: a folder link's URL, and a web-seed base for a file link (the client appends the name). */
export function linkBase(base: string, token: string): string {
  return `${base.replace(/\/+$/, "")}${LINKS_PREFIX}${token}/`;
}

/** `<base>/v1/links/<token>/` plus the file name for a file link (each segment percent-encoded). */
export function linkUrl(base: string, token: string, target: LinkTarget): string {
  const root = linkBase(base, token);
  return target.kind === "file" ? root + encodeURIComponent(target.name) : root;
}
