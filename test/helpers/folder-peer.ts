/**
 * A real PeerService on 127.0.0.1:0 in front of a real test peer that lists folders
 * (`ListItemsRequest.folder`, the "folders" capability) by filtering the upstream's listing, and
 * can list extra, hostile entries. Every other call is forwarded; the file bytes it forwards are
 * counted (the "server hook" of the reuse tests). Used by the folder client tests until the
 * server's own folder listing lands, and for a lying peer after.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type HandlerContext } from "@connectrpc/connect";
import { connectNodeAdapter, createConnectTransport } from "@connectrpc/connect-node";
import { type Item, ItemSchema, ListItemsResponseSchema, PeerService } from "../../gen/peer/v1/peer_pb.js";

/** Options of {@link startFolderPeer}. */
export interface FolderPeerOptions {
  /** Advertise "folders". @default true */
  capability?: boolean;
  /** Extra entries listed under a folder (hostile paths, empty folders). @default none */
  extra?: (folder: string) => Item[];
}

/** A running folder peer. */
export interface FolderPeer {
  readonly url: string;
  /** File bytes forwarded by ReadFile since the start (or the last reset). */
  bytesServed(): number;
  resetBytes(): void;
  close(): Promise<void>;
}

/** An item with only the fields a listing needs. */
export function fakeItem(id: string, fields: { size?: bigint; isFolder?: boolean } = {}): Item {
  return create(ItemSchema, { id, name: id.slice(id.lastIndexOf("/") + 1), size: 1n, etag: '"x"', ...fields });
}

/** Starts the folder peer in front of `upstreamUrl`. */
export async function startFolderPeer(upstreamUrl: string, options: FolderPeerOptions = {}): Promise<FolderPeer> {
  const up = createClient(
    PeerService,
    createConnectTransport({ baseUrl: upstreamUrl, httpVersion: "1.1", acceptCompression: [] }),
  );
  let bytes = 0;
  const fwd = (ctx: HandlerContext) => ({
    headers: { authorization: ctx.requestHeader.get("authorization") ?? "" },
    signal: ctx.signal,
  });
  const adapter = connectNodeAdapter({
    acceptCompression: [],
    routes(router) {
      router.service(PeerService, {
        async handshake(req, ctx) {
          const res = await up.handshake(req, fwd(ctx));
          res.capabilities = res.capabilities.filter((c) => c !== "folders");
          if (options.capability !== false) res.capabilities.push("folders");
          return res;
        },
        async listItems(req, ctx) {
          if (req.folder === "") return up.listItems(req, fwd(ctx));
          const share = req.folder.split("/")[0] as string;
          const all: Item[] = [];
          let pageToken = "";
          do {
            const page = await up.listItems({ share, pageSize: 1000, pageToken }, fwd(ctx));
            all.push(...page.items);
            pageToken = page.nextPageToken;
          } while (pageToken !== "");
          const prefix = `${req.folder}/`;
          const items = [...all.filter((i) => i.id.startsWith(prefix)), ...(options.extra?.(req.folder) ?? [])];
          if (items.length === 0) throw new ConnectError(`folder ${req.folder} not found`, Code.NotFound);
          items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
          const after = items.filter((i) => i.id > req.pageToken);
          const size = req.pageSize > 0 ? req.pageSize : 100;
          const page = after.slice(0, size);
          const next = after.length > size ? (page.at(-1)?.id ?? "") : "";
          return create(ListItemsResponseSchema, { items: page, nextPageToken: next });
        },
        statItem: (req, ctx) => up.statItem(req, fwd(ctx)),
        getPieceHashes: (req, ctx) => up.getPieceHashes(req, fwd(ctx)),
        async *readFile(req, ctx) {
          for await (const m of up.readFile(req, fwd(ctx))) {
            bytes += m.data.length;
            yield m;
          }
        },
      });
    },
  });
  const server = http.createServer(adapter);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bytesServed: () => bytes,
    resetBytes: () => {
      bytes = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Waits until every file under `folder` on the real peer `url` has a pieces root (StatItem starts the hashing). */
export async function waitHashed(url: string, key: string, folder: string): Promise<void> {
  const c = createClient(PeerService, createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
  const headers = { authorization: `Bearer ${key}` };
  const share = folder.split("/")[0] as string;
  for (;;) {
    const page = await c.listItems({ share, pageSize: 1000 }, { headers });
    const missing = page.items.filter((i) => i.id.startsWith(`${folder}/`) && !/^[0-9a-f]{64}$/.test(i.piecesRoot));
    if (missing.every((i) => i.size === 0n)) return;
    for (const i of missing) await c.statItem({ itemId: i.id }, { headers });
    await new Promise((r) => setTimeout(r, 50));
  }
}
