/** Remote names: slugs that can never be read as a URL or a host; key text fit for a header. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkRemoteName, REMOTE_NAME_MAX } from "../../../client/remotes/remote-name.js";
import { checkKeyText, keyLabel, KEY_MAX_LENGTH } from "../../../client/remotes/key-label.js";
import { keyRef } from "../../../client/remotes/key-ref.js";

test("checkRemoteName: table", () => {
  const bad: Array<[string, string, RegExp]> = [
    ["empty", "", /empty/],
    ["too long", "a".repeat(REMOTE_NAME_MAX + 1), /at most 32/],
    ["a URL", "http://nas:8080", /not a remote name/],
    ["host:port", "nas:8080", /not a remote name/],
    ["a hostname", "nas.lan", /not a remote name/],
    ["an IP", "10.0.0.1", /not a remote name/],
    ["a path", "../nas", /not a remote name/],
    ["upper case", "Nas", /lower-case/],
    ["starts with a digit", "2nas", /starting with a letter/],
    ["starts with a dash (an option?)", "-nas", /not a remote name/],
    ["a space", "my nas", /not a remote name/],
    ["NUL", "nas\0", /\\u0000/],
    ["newline", "nas\nx", /\\n/],
    ["unicode look-alike", "nаs", /not a remote name/],
  ];
  for (const [name, input, want] of bad) assert.match(checkRemoteName(input) ?? "", want, name);
  for (const good of ["nas", "laptop-2", "a", "my_peer", "x".repeat(REMOTE_NAME_MAX), "http", "localhost"]) {
    assert.equal(checkRemoteName(good), undefined, good);
  }
});

test("checkKeyText: one line of printable characters", () => {
  const bad: Array<[string, string]> = [
    ["empty", ""],
    ["space inside", "peer_a b"],
    ["newline inside", "peer_a\nb"],
    ["CR (header injection)", "peer_a\r\nX-Evil: 1"],
    ["tab", "peer_a\tb"],
    ["non-ASCII", "peer_é"],
    ["too long", "k".repeat(KEY_MAX_LENGTH + 1)],
  ];
  for (const [name, key] of bad) assert.notEqual(checkKeyText(key), undefined, name);
  assert.equal(checkKeyText("peer_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), undefined);
  assert.equal(checkKeyText("any-token.from/another~system"), undefined);
});

test("keyLabel: the key id of a peer key, else the fingerprint; never the secret", () => {
  const key = "peer_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  assert.equal(keyLabel(key), "0123456789abcdef");
  assert.equal(keyLabel("some-other-token"), keyRef("some-other-token"));
  assert.match(
    keyLabel("peer_0123456789abcdef_short"),
    /^sha256:[0-9a-f]{16}$/,
    "a malformed peer key shows its fingerprint",
  );
});
