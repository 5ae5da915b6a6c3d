/**
 * Share links, `GET|HEAD /v1/links/<token>/<file name>` (docs/web.md): the
 * token alone authorises; the file is served by serve-entry.ts, the same
 * RFC 9110 code as `/v1/files/`. Unknown, malformed, expired, revoked and
 * exhausted tokens, wrong names and escaping paths all get the same 404.
 * The token never reaches a log line: the line names the link's public id.
 */
import type pino from "pino";
import type { Catalog, FileEntry } from "../catalog/catalog.js";
import type { StreamLimiter } from "../limits/stream-limiter.js";
import { runCall, sendHead, sendNotFound, sendText, type Call } from "../http/route-call.js";
import { callServices, type FileRoute } from "../http/serve-file.js";
import { serveEntry } from "../http/serve-entry.js";
import type { ShareLink } from "../store/share-link-repository.js";
import { FILE_CSP, pageHeaders } from "../web/layout.js";
import { linkListingPage } from "../web/pages/link-listing.js";
import { parseSort } from "../web/sort-rows.js";
import { parseLinkPath, resolveLinkResource } from "../links/link-path.js";
import { linkStatus } from "../links/link-status.js";
import type { LinkStore } from "../links/link-store.js";
import { parseLinkTarget } from "../links/link-target.js";
import { serveFolderZip } from "../zip/serve-folder-zip.js";
import { createCrcCache } from "../zip/zip-bytes.js";

/** Options of {@link createLinkRoute}. */
export interface LinkRouteOptions {
  readonly catalog: Catalog;
  readonly links: LinkStore;
  readonly logger: pino.Logger;
  /** Shared with the other routes: a link counts against its creating key's cap (`link:<id>` for CLI-made links). */
  readonly limiter?: StreamLimiter | undefined;
  /** Largest read from disk. @default DEFAULT_CHUNK_SIZE of serve-file.ts */
  readonly chunkSize?: number | undefined;
}

/** CRC-32s of files served in ZIPs (zip-bytes.ts). */
const zipCrcs = createCrcCache();

/** `?zip` on a folder link's listing: the folder as a .zip (docs/web.md). */
function wantsZip(call: Call): boolean {
  return new URL(call.req.url ?? "/", "http://x").searchParams.has("zip");
}

/** Fields of every answer on a link URL. */
const LINK_FIELDS = { "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow" };

/** Creates the link route (returns false for paths outside `/v1/links/`). */
export function createLinkRoute(options: LinkRouteOptions): FileRoute {
  const services = callServices(options);
  return (req, res) => {
    const parsed = parseLinkPath(req.url ?? "/");
    if (parsed.kind === "outside") return false;
    runCall(services, req, res, undefined, async (call) => {
      call.extraHeaders = LINK_FIELDS;
      if (call.method !== "GET" && call.method !== "HEAD") {
        sendText(call, 405, "method not allowed: use GET or HEAD\n", { Allow: "GET, HEAD" });
        return;
      }
      const link = parsed.kind === "match" ? await options.links.resolve(parsed.token) : undefined;
      if (parsed.kind !== "match" || link === undefined) {
        sendNotFound(call);
        return;
      }
      call.linkId = link.id;
      const target = parseLinkTarget(link.target);
      const resource = target.ok
        ? resolveLinkResource(target.value, parsed.segments, parsed.folder, parsed.seedName)
        : { kind: "not-found" as const };
      if (resource.kind === "file") {
        call.itemId = resource.itemId;
        await serveLinkedFile(call, options, link, resource.itemId);
      } else if (resource.kind === "listing" && target.ok && wantsZip(call)) {
        const name = resource.segments.length === 0 ? target.value.name : (resource.segments.at(-1) as string);
        await serveFolderZip(
          call,
          {
            limiterKey: `link:${link.id}`,
            crcs: zipCrcs,
            admit: (zip, planned) => options.links.charge(link, planned, zip.size),
            settle: async (planned, sent) => {
              if (sent < planned) await options.links.refund(link, planned - sent);
            },
          },
          resource.folderId,
          name,
        );
      } else if (resource.kind === "listing" && target.ok) {
        await sendListing(call, options.catalog, target.value.name, resource.folderId, resource.segments);
      } else {
        sendNotFound(call);
      }
    });
    return true;
  };
}

async function serveLinkedFile(call: Call, options: LinkRouteOptions, link: ShareLink, itemId: string): Promise<void> {
  const entry = await options.catalog.stat(itemId);
  if (entry === undefined || linkStatus(link, options.links.now(), entry.size) !== "active") {
    sendNotFound(call);
    return;
  }
  call.extraHeaders = { ...LINK_FIELDS, "Content-Security-Policy": FILE_CSP };
  let served: FileEntry = entry;
  await serveEntry(
    call,
    {
      // A key's links share that key's stream cap (docs/web.md); links made by `peer links create` have their own.
      limiterKey: link.createdBy ?? `link:${link.id}`,
      admit: async (current, planned) => {
        served = current;
        return options.links.charge(link, planned, current.size);
      },
      // An empty file's one unit is spent once the answer is sent; otherwise give back what did not leave.
      settle: async (planned, sent) => {
        if (served.size > 0 && sent < planned) await options.links.refund(link, planned - sent);
      },
    },
    entry,
  );
}

async function sendListing(
  call: Call,
  catalog: Catalog,
  rootName: string,
  folderId: string,
  segments: readonly string[],
): Promise<void> {
  const listing = await catalog.folder(folderId);
  if (listing === undefined) {
    sendNotFound(call);
    return;
  }
  const query = new URL(call.req.url ?? "/", "http://x").searchParams;
  const body = linkListingPage({ rootName, segments, listing, sort: parseSort(query) }).text;
  // The page's own Referrer-Policy (same-origin, for the web page's forms) must not win here: the URL holds the token.
  sendHead(call, 200, { ...pageHeaders(body), ...LINK_FIELDS }, body);
}
