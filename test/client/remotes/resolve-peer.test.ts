/** The one resolver of `<peer>` arguments: a table, hostile inputs first. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { needsRemotes, resolvePeer, type PeerArgument } from "../../../client/remotes/resolve-peer.js";
import type { Remote } from "../../../client/remotes/remotes-format.js";

const at = "2026-01-01T00:00:00.000Z";
const nas: Remote = { name: "nas", url: "http://192.168.1.20:8080", key: "peer_nas_key", addedAt: at };
const laptop: Remote = { name: "laptop", url: "https://laptop.lan:8443", key: "peer_laptop_key", addedAt: at };
const twinA: Remote = { name: "twin-a", url: "http://10.0.0.9:8080", key: "key-a", addedAt: at };
const twinB: Remote = { name: "twin-b", url: "http://10.0.0.9:8080", key: "key-b", addedAt: at };
const remotes = [nas, laptop, twinA, twinB];

type Want = { url: string; key: string; remote: string | null } | RegExp;
const cases: Array<[string, PeerArgument, Want]> = [
  // hostile or wrong inputs
  ["empty target", { target: "", key: "k", remotes }, /not a URL/],
  ["a path, not a URL", { target: "/etc/passwd", key: "k", remotes }, /not a URL/],
  ["ftp URL", { target: "ftp://nas/", key: "k", remotes }, /http:\/\/ or https:\/\//],
  ["credentials in the URL", { target: "http://u:p@nas:8080", key: "k", remotes }, /not in the URL/],
  ["host:port without scheme", { target: "nas:8080", key: "k", remotes }, /http:\/\/ or https:\/\//],
  ["a hostname with a dot is not a name", { target: "nas.lan", key: "k", remotes }, /not a URL.*remote/],
  ["upper-case name is not a name", { target: "NAS", key: "k", remotes }, /not a URL/],
  ["name with a newline", { target: "nas\n", key: "k", remotes }, /not a URL/],
  ["unknown remote", { target: "attic", key: "k", remotes }, /no remote named "attic".*peer remote list/],
  ["unknown remote, no remotes at all", { target: "nas", key: undefined, remotes: [] }, /no remote named "nas"/],
  [
    "URL without any key",
    { target: "http://127.0.0.1:9", key: undefined, remotes },
    /API key is needed.*peer remote add/,
  ],
  ["URL with an empty key", { target: "http://127.0.0.1:9", key: "", remotes }, /API key is needed/],
  [
    "URL shared by two remotes, no key",
    { target: "http://10.0.0.9:8080", key: undefined, remotes },
    /several remotes.*twin-a, twin-b/,
  ],
  // names
  [
    "a remote's name gives its URL and key",
    { target: "nas", key: undefined, remotes },
    { url: nas.url, key: nas.key, remote: "nas" },
  ],
  [
    "a remote's own key wins over --key",
    { target: "laptop", key: "other", remotes },
    { url: laptop.url, key: laptop.key, remote: "laptop" },
  ],
  // URLs
  [
    "URL with --key",
    { target: "http://127.0.0.1:9/", key: "k", remotes },
    { url: "http://127.0.0.1:9", key: "k", remote: null },
  ],
  [
    "a remote's URL with --key uses --key",
    { target: nas.url, key: "k", remotes },
    { url: nas.url, key: "k", remote: null },
  ],
  [
    "a remote's URL without --key uses the remote's key",
    { target: `${nas.url}/`, key: undefined, remotes },
    { url: nas.url, key: nas.key, remote: "nas" },
  ],
  [
    "URL shared by two remotes, with --key",
    { target: twinA.url, key: "k", remotes },
    { url: twinA.url, key: "k", remote: null },
  ],
];

for (const [name, arg, want] of cases) {
  test(`resolvePeer: ${name}`, () => {
    const r = resolvePeer(arg);
    if (want instanceof RegExp) {
      assert.equal(r.ok, false, JSON.stringify(r));
      if (!r.ok) {
        assert.match(r.error, want);
        for (const remote of remotes) assert.ok(!r.error.includes(remote.key), "an error never shows a key");
      }
    } else {
      assert.deepEqual(r, { ok: true, value: want });
    }
  });
}

test("needsRemotes: only a name, or a URL without a key, reads the remotes file", () => {
  const table: Array<[string, string | undefined, boolean]> = [
    ["nas", "k", true],
    ["nas", undefined, true],
    ["http://h:1", undefined, true],
    ["http://h:1", "", true],
    ["http://h:1", "k", false],
    ["not a url or name", "k", false],
  ];
  for (const [target, key, want] of table) assert.equal(needsRemotes(target, key), want, `${target} ${String(key)}`);
});
