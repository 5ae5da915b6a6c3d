import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parsePositiveInteger } from "../../cli/common.js";
import { parseListenAddress } from "../../cli/listen-address.js";
import { parseShareSpec, shareForDir } from "../../cli/share-spec.js";

describe("parseListenAddress", () => {
  const accepted: Array<[string, string, number]> = [
    ["127.0.0.1:8080", "127.0.0.1", 8080],
    ["0.0.0.0:443", "0.0.0.0", 443],
    ["localhost:0", "localhost", 0],
    ["[::1]:9000", "::1", 9000],
    ["[::]:8080", "::", 8080],
    [":8081", "127.0.0.1", 8081],
    ["8082", "127.0.0.1", 8082],
    ["peer.example.org:65535", "peer.example.org", 65535],
  ];
  for (const [input, host, port] of accepted) {
    test(`${input} → ${host} port ${port}`, () => {
      assert.deepEqual(parseListenAddress(input), { ok: true, value: { host, port } });
    });
  }
  const rejected: Array<[string, RegExp]> = [
    ["", /no port/],
    ["localhost", /no port/],
    ["127.0.0.1:", /not a port/],
    ["127.0.0.1:65536", /not a port/],
    ["127.0.0.1:-1", /not a port/],
    ["127.0.0.1:80a", /not a port/],
    ["::1:8080", /brackets/],
    ["[nope]:8080", /IPv6/],
    ["bad host!:80", /not a host name/],
    ["a b:80", /not a host name/],
  ];
  for (const [input, error] of rejected) {
    test(`rejects ${JSON.stringify(input)}`, () => {
      const result = parseListenAddress(input);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.error, error);
    });
  }
});

describe("parseShareSpec", () => {
  const cases: Array<[string, { name: string; dir: string } | RegExp]> = [
    ["media=/srv/media", { name: "media", dir: "/srv/media" }],
    ["a=b=c", { name: "a", dir: "b=c" }],
    ["docs=./relative dir", { name: "docs", dir: "./relative dir" }],
    ["=/srv", /NAME=DIR/],
    ["media=", /NAME=DIR/],
    ["/srv/media", /NAME=DIR/],
    ["", /NAME=DIR/],
  ];
  for (const [input, expected] of cases) {
    test(JSON.stringify(input), () => {
      const result = parseShareSpec(input);
      if (expected instanceof RegExp) {
        assert.equal(result.ok, false);
        if (!result.ok) assert.match(result.error, expected);
      } else {
        assert.deepEqual(result, { ok: true, value: expected });
      }
    });
  }
});

describe("shareForDir", () => {
  const cases: Array<[string, string | undefined]> = [
    ["/home/me/Videos", "Videos"],
    ["/home/me/Videos/", "Videos"],
    ["Videos", "Videos"],
    [".", "cwd"],
    ["..", "tmp"],
    ["/", undefined],
  ];
  for (const [dir, name] of cases) {
    test(`${dir} → ${name}`, () => {
      const share = shareForDir(dir, "/tmp/cwd");
      assert.equal(share?.name, name);
      if (share !== undefined) assert.equal(share.dir, dir);
    });
  }
});

describe("parsePositiveInteger", () => {
  const cases: Array<[string, number | undefined]> = [
    ["1", 1],
    ["250", 250],
    ["0", undefined],
    ["-3", undefined],
    ["1.5", undefined],
    ["ten", undefined],
    ["", undefined],
    ["9".repeat(16), undefined],
  ];
  for (const [input, expected] of cases) {
    test(`${JSON.stringify(input)} → ${expected}`, () => {
      const result = parsePositiveInteger(input);
      if (expected === undefined) assert.equal(result.ok, false);
      else assert.deepEqual(result, { ok: true, value: expected });
    });
  }
});
