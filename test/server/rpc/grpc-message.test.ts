import assert from "node:assert/strict";
import http2 from "node:http2";
import { after, before, describe, test } from "node:test";
import { ConnectError } from "@connectrpc/connect";
import { encodeGrpcMessage, isGrpcRequest, reencodeGrpcMessage } from "../../../server/rpc/grpc-message.js";
import { peerClient, startTestPeer, type TestPeer } from "../../helpers/peer-server.js";

// [name, message, as the gRPC spec encodes it]; hostile inputs first.
const encodeCases: [string, string, string][] = [
  ["percent is the one printable byte encoded", "100% sure", "100%25 sure"],
  ["CR LF and NUL are encoded", "a\r\nb\0", "a%0D%0Ab%00"],
  ["non-ASCII as UTF-8 bytes", "été", "%C3%A9t%C3%A9"],
  ["lone surrogate becomes U+FFFD", "a\ud800", "a%EF%BF%BD"],
  [
    "comma, colon, slash, question mark stay (the grpc-js bug)",
    "unknown, expired: a/b?c&d=e",
    "unknown, expired: a/b?c&d=e",
  ],
  ["empty", "", ""],
];

describe("encodeGrpcMessage", () => {
  for (const [name, message, expected] of encodeCases) {
    test(name, () => assert.equal(encodeGrpcMessage(message), expected));
  }
  test("decodeURIComponent (Connect clients) reads it back exactly", () => {
    for (const [, message] of encodeCases.filter(([name]) => !name.startsWith("lone"))) {
      assert.equal(decodeURIComponent(encodeGrpcMessage(message)), message);
    }
  });
  test("decodeURI (grpc-js) reads it back exactly", () => {
    for (const [, message] of encodeCases.filter(([name]) => !name.startsWith("lone"))) {
      assert.equal(decodeURI(encodeGrpcMessage(message)), message);
    }
  });
});

describe("reencodeGrpcMessage", () => {
  const cases: [string, string, string][] = [
    ["not valid percent-encoding is left as is", "%E0%A4%A", "%E0%A4%A"],
    [
      "Connect-ES's encodeURIComponent form",
      encodeURIComponent("unknown, expired or revoked"),
      "unknown, expired or revoked",
    ],
    ["already in the spec's form", "a b", "a b"],
  ];
  for (const [name, value, expected] of cases) test(name, () => assert.equal(reencodeGrpcMessage(value), expected));
});

describe("isGrpcRequest", () => {
  const cases: [string | undefined, boolean][] = [
    [undefined, false],
    ["application/grpc-web+proto", false],
    ["application/grpc-web-text", false],
    ["application/json", false],
    ["application/grpc", true],
    ["application/grpc+proto", true],
    ["Application/GRPC+json", true],
  ];
  for (const [type, expected] of cases)
    test(`${type} → ${expected}`, () => assert.equal(isGrpcRequest(type), expected));
});

/** A raw gRPC call over HTTP/2 (what grpc-js sends); returns the trailers as they arrive on the wire. */
async function rawGrpcCall(url: string, method: string, key: string): Promise<http2.IncomingHttpHeaders> {
  const session = http2.connect(url);
  try {
    return await new Promise((resolve, reject) => {
      const stream = session.request({
        ":method": "POST",
        ":path": `/peer.v1.PeerService/${method}`,
        "content-type": "application/grpc+proto",
        te: "trailers",
        "x-api-key": key,
      });
      stream.on("trailers", (trailers) => resolve(trailers));
      stream.on("error", reject);
      stream.on("end", () => reject(new Error("the stream ended without trailers")));
      stream.resume();
      stream.end(Buffer.from([0, 0, 0, 0, 0])); // one empty message: uncompressed, length 0
    });
  } finally {
    session.close();
  }
}

describe("grpc-message on the wire", { timeout: 120_000 }, () => {
  let peer: TestPeer;
  before(async () => {
    peer = await startTestPeer({ files: { "a.txt": "hello" } });
  });
  after(() => peer?.close());

  for (const method of ["StatItem", "ReadFile"]) {
    test(`${method} (${method === "ReadFile" ? "fast path" : "stock handler"}): a refused key's message has a plain comma`, async () => {
      const trailers = await rawGrpcCall(peer.url, method, "not-a-real-key");
      assert.equal(trailers["grpc-status"], "16");
      assert.equal(trailers["grpc-message"], "the API key is not valid (unknown, expired or revoked)");
    });
  }

  test("a Connect-ES gRPC client still reads the message intact", async () => {
    const client = peerClient(peer.url, "grpc");
    await assert.rejects(
      client.statItem({ itemId: "share/a.txt" }, { headers: { "x-api-key": "not-a-real-key" } }),
      (error: unknown) =>
        error instanceof ConnectError && error.rawMessage === "the API key is not valid (unknown, expired or revoked)",
    );
  });
});
