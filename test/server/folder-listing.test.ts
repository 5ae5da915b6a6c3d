/**
 * ListItems with `folder`: a folder's files recursively, its empty folders
 * (`is_folder`), keyset pages that stay consistent while files change,
 * NOT_FOUND for anything that is not a folder of a share; over all three
 * protocols of a real peer.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Item } from "../../gen/peer/v1/peer_pb.js";
import { folderRequestProblem } from "../../server/rpc/list-items.js";
import { PEER_PROTOCOLS, peerClient, startTestPeer, type TestPeer } from "../helpers/peer-server.js";

const files: Record<string, string> = {
  "Shows/Season 1/e01.mkv": "1",
  "Shows/Season 1/cover.jpg": "22",
  "Shows/Season 1/Extras/a b.txt": "333",
  "Shows/Season 2/cover.jpg": "4444",
  "Shows/Season 10/é\u0301.txt": "5",
  "Shows/Season 1-x.txt": "6", // "-" sorts before "/": must not be in "Shows/Season 1"
  "Shows/z.txt": "7",
  "Other/x.txt": "8",
};
const tree = (prefix: string) => Object.keys(files).filter((f) => f.startsWith(prefix));

let peer: TestPeer;
const headers = () => ({ authorization: `Bearer ${peer.key}` });
before(async () => {
  peer = await startTestPeer({ files });
  await mkdir(path.join(peer.shareDir, "Shows", "Season 1", "Empty", "Deeper"), { recursive: true });
  await mkdir(path.join(peer.shareDir, "Shows", "Season 2", "Nothing"), { recursive: true });
  await mkdir(path.join(peer.shareDir, "Outside"), { recursive: true });
  await writeFile(path.join(peer.shareDir, "Outside", "secret.txt"), "s");
  // A symlinked folder pointing outside the share is not a folder of the share.
  await symlink(path.dirname(peer.shareDir), path.join(peer.shareDir, "escape"));
  await writeFile(path.join(peer.shareDir, "a-file"), "f");
});
after(() => peer.close());

async function listFolder(
  client: ReturnType<typeof peerClient>,
  folder: string,
  pageSize: number,
  between?: (page: number) => Promise<void>,
): Promise<Item[]> {
  const items: Item[] = [];
  let pageToken = "";
  let page = 0;
  do {
    const res = await client.listItems({ folder, pageSize, pageToken }, { headers: headers() });
    assert.ok(res.items.length <= pageSize);
    items.push(...res.items);
    pageToken = res.nextPageToken;
    await between?.(page++);
  } while (pageToken !== "");
  return items;
}

const sorted = (ids: string[]) => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

for (const protocol of PEER_PROTOCOLS) {
  test(`${protocol}: a folder lists every file under it and its empty folders, in id order, on every page size`, async () => {
    const client = peerClient(peer.url, protocol);
    for (const pageSize of [1, 2, 3, 100]) {
      const items = await listFolder(client, "share/Shows", pageSize);
      const ids = items.map((i) => (i.isFolder ? `${i.id}/` : i.id));
      const expected = sorted([
        ...tree("Shows/").map((f) => `share/${f}`),
        "share/Shows/Season 1/Empty/Deeper/",
        "share/Shows/Season 2/Nothing/",
      ]);
      assert.deepEqual(ids, expected, `page size ${pageSize}`);
      const empty = items.find((i) => i.id === "share/Shows/Season 2/Nothing");
      assert.equal(empty?.isFolder, true);
      assert.equal(empty?.name, "Nothing");
      assert.equal(empty?.size, 0n);
      assert.equal(empty?.etag, "");
      assert.ok(items.filter((i) => !i.isFolder).every((i) => i.etag !== "" && i.size > 0n));
    }
  });
}

test("a sub-folder excludes siblings whose names extend it; a share name lists the whole share", async () => {
  const client = peerClient(peer.url, "connect");
  const season1 = await listFolder(client, "share/Shows/Season 1", 100);
  assert.deepEqual(
    season1.map((i) => i.id),
    sorted([...tree("Shows/Season 1/").map((f) => `share/${f}`), "share/Shows/Season 1/Empty/Deeper"]),
  );
  const whole = await listFolder(client, "share", 2);
  assert.ok(whole.some((i) => i.id === "share/Other/x.txt"));
  assert.ok(whole.some((i) => i.id === "share/a-file"));
  assert.ok(!whole.some((i) => i.id.startsWith("share/escape/")), "a symlinked folder is not followed");
});

test("a query filters file names and lists no empty folders", async () => {
  const client = peerClient(peer.url, "connect");
  const res = await client.listItems({ folder: "share/Shows", query: "cover" }, { headers: headers() });
  assert.deepEqual(
    res.items.map((i) => i.id),
    ["share/Shows/Season 1/cover.jpg", "share/Shows/Season 2/cover.jpg"],
  );
});

test("pages stay consistent while files are added and removed between them", async () => {
  const client = peerClient(peer.url, "connect");
  const added = path.join(peer.shareDir, "Shows", "Season 2", "added.txt");
  const removed = path.join(peer.shareDir, "Shows", "z.txt");
  const items = await listFolder(client, "share/Shows", 2, async (page) => {
    if (page !== 1) return;
    await writeFile(added, "new");
    await rm(removed);
  });
  const ids = items.map((i) => i.id);
  assert.deepEqual(ids, sorted(ids), "still in id order");
  assert.equal(new Set(ids).size, ids.length, "no id twice");
  assert.ok(ids.includes("share/Shows/Season 2/added.txt"), "a file added after the token is listed");
  assert.ok(!ids.includes("share/Shows/z.txt"), "a file removed before it was reached is not");
  await writeFile(removed, "7");
  await rm(added);
});

test("NOT_FOUND for a folder that is not a folder of a share; INVALID_ARGUMENT for bad combinations", async () => {
  const client = peerClient(peer.url, "connect");
  const notFound = [
    "share/nope",
    "share/a-file",
    "share/escape",
    "share/../share",
    "share/Shows/../Other",
    "nosuchshare",
    "share/Shows//Season 1",
    "share/\u0000",
    "share\\Shows",
  ];
  for (const folder of notFound) {
    await assert.rejects(
      client.listItems({ folder }, { headers: headers() }),
      (e: unknown) => e instanceof ConnectError && e.code === Code.NotFound,
      folder,
    );
  }
  for (const req of [{ folder: "share/Shows/" }, { folder: "share/Shows", share: "other" }]) {
    await assert.rejects(
      client.listItems(req, { headers: headers() }),
      (e: unknown) => e instanceof ConnectError && e.code === Code.InvalidArgument,
      JSON.stringify(req),
    );
  }
});

test("Handshake advertises folders", async () => {
  const res = await peerClient(peer.url, "connect").handshake({}, { headers: headers() });
  assert.ok(res.capabilities.includes("folders"));
});

const problems: Array<[string, { folder: string; share: string; piecesRoot: string }, RegExp | undefined]> = [
  ["trailing slash", { folder: "share/a/", share: "", piecesRoot: "" }, /trailing/],
  ["another share", { folder: "share/a", share: "music", piecesRoot: "" }, /not in share/],
  ["with a pieces root", { folder: "share/a", share: "", piecesRoot: "ab".repeat(32) }, /cannot be combined/],
  ["too long", { folder: `share/${"a".repeat(5000)}`, share: "", piecesRoot: "" }, /longer/],
  ["no folder", { folder: "", share: "music", piecesRoot: "" }, undefined],
  ["same share", { folder: "share/a", share: "share", piecesRoot: "" }, undefined],
  ["a share alone", { folder: "share", share: "", piecesRoot: "" }, undefined],
];
for (const [name, req, expected] of problems) {
  test(`folderRequestProblem: ${name}`, () => {
    const problem = folderRequestProblem(req);
    if (expected === undefined) assert.equal(problem, undefined);
    else assert.match(problem ?? "", expected);
  });
}
