/**
 * The SDK client: key header, version check, cancellation of abandoned
 * streams (in-process Connect router: a real Connect server without sockets),
 * and the HTTP/2 window tuning against a real peer.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { createRouterTransport } from "@connectrpc/connect";
import { ItemSchema, PeerService } from "../../../gen/peer/v1/peer_pb.js";
import { createPeerClient, DownloadError, normalizePeerUrl } from "../../../client/index.js";
import {
  HTTP2_CONNECTION_WINDOW,
  HTTP2_STREAM_WINDOW,
  TunedHttp2SessionManager,
} from "../../../client/rpc/http2-window.js";
import { startTestPeer, type TestPeer } from "../../helpers/peer-server.js";
import { waitFor } from "../../helpers/download-fixtures.js";

let peer: TestPeer;
before(async () => {
  peer = await startTestPeer({ files: { "a.txt": "hello" } });
});
after(async () => {
  await peer.close();
});

function fakePeer(version: string, minClient: string, seen: { auth?: string | null; aborted?: boolean }) {
  return createRouterTransport(({ service }) => {
    service(PeerService, {
      handshake: (_req, ctx) => {
        seen.auth = ctx.requestHeader.get("authorization");
        return {
          serverName: "fake",
          protocolVersion: version,
          minClientVersion: minClient,
          capabilities: [],
          shares: [],
        };
      },
      statItem: (req) => ({ item: create(ItemSchema, { id: req.itemId, name: "x", size: 1n, etag: '"e"' }) }),
      listItems: () => ({ items: [], nextPageToken: "" }),
      async *readFile(_req, ctx) {
        ctx.signal.addEventListener("abort", () => (seen.aborted = true));
        for (let i = 0; ; i++) {
          yield { offset: BigInt(i), data: new Uint8Array([i & 0xff]) };
          await new Promise((r) => setTimeout(r, 5));
          if (ctx.signal.aborted) return;
        }
      },
    });
  });
}

test("handshake sends the key as a bearer token and accepts a compatible peer", async () => {
  const seen: { auth?: string | null } = {};
  const client = createPeerClient({
    baseUrl: "http://127.0.0.1:1",
    apiKey: "secret-key",
    customTransport: fakePeer("1.0.0", "1.0.0", seen),
  });
  const res = await client.handshake();
  assert.equal(res.serverName, "fake");
  assert.equal(seen.auth, "Bearer secret-key");
});

test("handshake refuses a peer below the client's minimum, and a peer that refuses this client", async () => {
  for (const [version, minClient, pattern] of [
    ["0.9.0", "0.1.0", /older than .*upgrade the peer/],
    ["2.0.0", "2.0.0", /upgrade this client/],
  ] as const) {
    const client = createPeerClient({
      baseUrl: "http://127.0.0.1:1",
      apiKey: "k",
      customTransport: fakePeer(version, minClient, {}),
    });
    await assert.rejects(
      client.handshake(),
      (e: unknown) => e instanceof DownloadError && e.code === "incompatible-peer" && pattern.test(e.message),
    );
  }
});

test("breaking out of readFile cancels the stream on the server", async () => {
  const seen: { aborted?: boolean } = {};
  const client = createPeerClient({
    baseUrl: "http://127.0.0.1:1",
    apiKey: "k",
    customTransport: fakePeer("1.0.0", "1.0.0", seen),
  });
  let n = 0;
  for await (const msg of client.readFile({ itemId: "s/x" })) {
    assert.equal(Number(msg.offset), n);
    if (++n === 3) break;
  }
  await waitFor(() => (seen.aborted === true ? true : undefined), "the server to see the cancel", 10_000);
});

test("options are validated with messages that say what to do", () => {
  assert.throws(() => createPeerClient({ baseUrl: "nope", apiKey: "k" }), /not a URL/);
  assert.throws(() => createPeerClient({ baseUrl: "ftp://h/", apiKey: "k" }), /http:\/\/ or https:\/\//);
  assert.throws(() => createPeerClient({ baseUrl: "http://u:p@h/", apiKey: "k" }), /not in the URL/);
  assert.throws(() => createPeerClient({ baseUrl: "http://h/", apiKey: "" }), /PEER_KEY/);
  assert.throws(
    () => createPeerClient({ baseUrl: "http://h/", apiKey: "k", transport: "smoke" as never }),
    /unknown transport/,
  );
  assert.equal(normalizePeerUrl("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
});

for (const transport of ["connect", "connect-h2", "grpc", "http"] as const) {
  test(`${transport}: a real peer answers handshake, list, stat and read`, async () => {
    const client = createPeerClient({ baseUrl: peer.url, apiKey: peer.key, transport });
    try {
      const hs = await client.handshake();
      assert.ok(hs.protocolVersion.length > 0);
      const items = [];
      for await (const item of client.listAllItems()) items.push(item.id);
      assert.deepEqual(items, ["share/a.txt"]);
      const item = await client.statItem("share/a.txt");
      assert.equal(Number(item.size), 5);
      const chunks: Uint8Array[] = [];
      for await (const m of client.readFile({ itemId: "share/a.txt" })) chunks.push(m.data);
      assert.equal(Buffer.concat(chunks).toString(), "hello");
      await assert.rejects(
        createPeerClient({ baseUrl: peer.url, apiKey: "wrong", transport }).handshake(),
        /unauthenticated/i,
      );
    } finally {
      client.close();
    }
  });
}

test("HTTP/2 sessions get a 4 MiB stream window and a 16 MiB connection window", async () => {
  const sm = new TunedHttp2SessionManager(peer.url);
  try {
    const stream = await sm.request("POST", "/grpc.health.v1.Health/Check", { "content-type": "application/grpc" }, {});
    stream.on("error", () => undefined);
    const session = stream.session!;
    // Local settings take effect when the peer acknowledges them.
    await waitFor(() => (session.pendingSettingsAck ? undefined : true), "the SETTINGS ack", 10_000);
    assert.equal(session.localSettings.initialWindowSize, HTTP2_STREAM_WINDOW);
    assert.ok(
      (session.state.localWindowSize ?? 0) >= HTTP2_CONNECTION_WINDOW - 65_535,
      `connection window ${session.state.localWindowSize}`,
    );
    stream.close();
  } finally {
    sm.abort();
  }
});
