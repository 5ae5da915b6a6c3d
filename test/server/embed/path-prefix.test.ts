import { test } from "node:test";
import assert from "node:assert/strict";
import { pathPrefixProblem, stripPathPrefix } from "../../../server/embed/path-prefix.js";

test("pathPrefixProblem", () => {
  const cases: Array<[name: string, prefix: string, problem: RegExp | undefined]> = [
    ["not a string", 42 as unknown as string, /must be a string/],
    ["dot-dot segment", "/a/..", /"\." or "\.\." segments/],
    ["dot segment", "/./a", /"\." or "\.\." segments/],
    ["double slash", "//evil.example", /segments/],
    ["percent", "/a%2Fb", /segments/],
    ["query", "/a?b", /segments/],
    ["fragment", "/a#b", /segments/],
    ["space", "/a b", /segments/],
    ["control character", "/a\nb", /segments/],
    ["backslash", "/a\\b", /segments/],
    ["non-ASCII", "/caf\u00e9", /segments/],
    ["too long", `/${"a".repeat(200)}`, /longer than 200/],
    ["no leading slash", "peer", /must start with "\/"/],
    ["trailing slash", "/peer/", /must not end with "\/"; write "\/peer"/],
    ["root slash", "/", /must not end with "\/"/],
    ["empty: the root", "", undefined],
    ["one segment", "/peer", undefined],
    ["nested", "/apps/peer-1.0", undefined],
    ["sub-delims", "/a:b@c!$&'()*+,;=~", undefined],
  ];
  for (const [name, prefix, problem] of cases) {
    const got = pathPrefixProblem(prefix);
    if (problem === undefined) assert.equal(got, undefined, name);
    else assert.match(got ?? "(none)", problem, name);
  }
});

test("stripPathPrefix", () => {
  const cases: Array<[name: string, target: string, prefix: string, below: string | undefined]> = [
    ["a name that starts like the prefix", "/peer.v1.PeerService/ReadFile", "/peer", undefined],
    ["a longer segment", "/peerx/v1/files/a", "/peer", undefined],
    ["absolute-form", "http://host/peer/x", "/peer", undefined],
    ["asterisk-form", "*", "/peer", undefined],
    ["empty target", "", "/peer", undefined],
    ["another path", "/app/x", "/peer", undefined],
    ["case differs", "/PEER/x", "/peer", undefined],
    ["the prefix itself", "/peer", "/peer", "/"],
    ["the prefix with a slash", "/peer/", "/peer", "/"],
    ["a query on the prefix", "/peer?a=1", "/peer", "/?a=1"],
    ["an RPC", "/peer/peer.v1.PeerService/ReadFile", "/peer", "/peer.v1.PeerService/ReadFile"],
    ["a file with a query", "/peer/v1/files/s/a.txt?x=1", "/peer", "/v1/files/s/a.txt?x=1"],
    ["nested prefix", "/apps/peer/web/", "/apps/peer", "/web/"],
    ["root: everything as it is", "/peer.v1.PeerService/ReadFile", "", "/peer.v1.PeerService/ReadFile"],
    ["root: absolute-form as it is", "http://host/x", "", "http://host/x"],
  ];
  for (const [name, target, prefix, below] of cases) assert.equal(stripPathPrefix(target, prefix), below, name);
});
