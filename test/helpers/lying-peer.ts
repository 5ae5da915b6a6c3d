/**
 * A peer that lies (issue 19's hostile-peer suite): a real Connect server on 127.0.0.1:0 in front
 * of a real test peer; every call is answered by the real peer, then one field is changed as the
 * test says — the item's name or id, the piece count, extra bytes after the file, or an error
 * whose message carries terminal escape sequences.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { ItemSchema, PeerService, ReadFileResponseSchema, type Item } from "../../gen/peer/v1/peer_pb.js";
import { peerTransport } from "./peer-server.js";

/** What the peer lies about. */
export type Lie =
  | { readonly kind: "name"; readonly name: string }
  | { readonly kind: "id"; readonly id: string }
  | { readonly kind: "read-name"; readonly name: string }
  | { readonly kind: "piece-count"; readonly factor: number }
  | { readonly kind: "extra-bytes"; readonly bytes: number }
  | { readonly kind: "error"; readonly message: string };

/** A running lying peer. */
export interface LyingPeer {
  readonly url: string;
  /** Changes the lie (undefined: honest). */
  lie: Lie | undefined;
  /** ReadFile calls answered. */
  readonly reads: { count: number };
  close(): Promise<void>;
}

/** Starts a lying peer in front of `realUrl` (its key is passed through). */
export async function startLyingPeer(realUrl: string): Promise<LyingPeer> {
  const real = createClient(PeerService, peerTransport(realUrl, "connect"));
  const state: { lie: Lie | undefined; reads: { count: number } } = { lie: undefined, reads: { count: 0 } };
  const auth = (h: Headers) => ({ headers: { authorization: h.get("authorization") ?? "" } });
  const fail = () => {
    const lie = state.lie;
    if (lie?.kind === "error") throw new ConnectError(lie.message, Code.PermissionDenied);
  };
  const item = (it: Item | undefined): Item | undefined => {
    if (it === undefined) return it;
    const lie = state.lie;
    if (lie?.kind === "name") return create(ItemSchema, { ...it, name: lie.name });
    if (lie?.kind === "id") return create(ItemSchema, { ...it, id: lie.id });
    return it;
  };
  const handler = connectNodeAdapter({
    routes: (router) =>
      router.service(PeerService, {
        handshake: (req, ctx) => real.handshake(req, auth(ctx.requestHeader)),
        listItems: (req, ctx) => real.listItems(req, auth(ctx.requestHeader)),
        async statItem(req, ctx) {
          fail();
          const res = await real.statItem(req, auth(ctx.requestHeader));
          return { ...res, item: item(res.item) };
        },
        async getPieceHashes(req, ctx) {
          const res = await real.getPieceHashes(req, auth(ctx.requestHeader));
          const lie = state.lie;
          return lie?.kind === "piece-count" ? { ...res, pieceCount: res.pieceCount * BigInt(lie.factor) } : res;
        },
        async *readFile(req, ctx) {
          state.reads.count++;
          fail();
          const lie = state.lie;
          let end = 0n;
          for await (const m of real.readFile(req, auth(ctx.requestHeader))) {
            const first =
              m.item === undefined
                ? m.item
                : lie?.kind === "read-name"
                  ? create(ItemSchema, { ...m.item, name: lie.name })
                  : m.item;
            end = m.offset + BigInt(m.data.length);
            yield create(ReadFileResponseSchema, { ...m, item: first });
          }
          if (lie?.kind === "extra-bytes")
            yield create(ReadFileResponseSchema, { offset: end, data: new Uint8Array(lie.bytes).fill(0x41) });
        },
      }),
  });
  // Other routes (the torrent route): the lie's error message as a plain-text 500, else 404.
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith("/peer.v1.PeerService/")) return handler(req, res);
    const lie = state.lie;
    res.writeHead(lie?.kind === "error" ? 500 : 404, { "content-type": "text/plain" });
    res.end(lie?.kind === "error" ? lie.message : "not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get lie() {
      return state.lie;
    },
    set lie(v) {
      state.lie = v;
    },
    reads: state.reads,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
