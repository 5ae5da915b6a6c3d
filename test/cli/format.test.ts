import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatBytes, formatDate, formatTable, printable } from "../../cli/format.js";
import { fileRoutePath, firstRunCommands, shellQuote, statItemGetUrl } from "../../cli/first-run-text.js";

describe("printable", () => {
  const cases: Array<[string, string]> = [
    ["plain.txt", "plain.txt"],
    ["Zoë 🖥.mkv", "Zoë 🖥.mkv"],
    ["a\nb", "a\\x0ab"],
    ["\u001b[2Jgone", "\\x1b[2Jgone"],
    ["bidi\u202eexe.txt", "bidi\\u202eexe.txt"],
    ["del\u007f", "del\\x7f"],
  ];
  for (const [input, expected] of cases) {
    test(JSON.stringify(input), () => assert.equal(printable(input), expected));
  }
});

describe("formatBytes", () => {
  const cases: Array<[number, string]> = [
    [0, "0 B"],
    [1023, "1023 B"],
    [1024, "1.0 KiB"],
    [1536, "1.5 KiB"],
    [10 * 1024 * 1024, "10.0 MiB"],
    [150 * 1024 * 1024, "150 MiB"],
    [5 * 1024 ** 4, "5.0 TiB"],
    [1024 * 1024 - 1, "1.0 MiB"],
    [99.97 * 1024, "100 KiB"],
    [0xffffffff, "4.0 GiB"],
    [-1, "?"],
    [Number.NaN, "?"],
    [Number.POSITIVE_INFINITY, "?"],
  ];
  for (const [input, expected] of cases) {
    test(`${input} → ${expected}`, () => assert.equal(formatBytes(input), expected));
  }
});

describe("formatDate", () => {
  test("UTC to the minute", () => assert.equal(formatDate(new Date("2027-01-31T12:34:56Z")), "2027-01-31 12:34Z"));
  test("none", () => {
    assert.equal(formatDate(null), "-");
    assert.equal(formatDate(new Date(Number.NaN)), "-");
  });
});

describe("formatTable", () => {
  test("aligns columns, right-aligns numbers, escapes control characters", () => {
    const rows = [
      { size: "5 B", id: "s/a" },
      { size: "1.5 KiB", id: "s/b\nc" },
    ];
    const text = formatTable(rows, [
      { header: "SIZE", value: (r) => r.size, right: true },
      { header: "ID", value: (r) => r.id },
    ]);
    assert.equal(text, "   SIZE  ID\n    5 B  s/a\n1.5 KiB  s/b\\x0ac\n");
  });
  test("header only for no rows", () => {
    assert.equal(formatTable([], [{ header: "ID", value: () => "" }]), "ID\n");
  });
});

describe("first-run text", () => {
  test("shellQuote", () => {
    assert.equal(shellQuote("peer_abc_-x"), "peer_abc_-x");
    assert.equal(shellQuote("a b"), "'a b'");
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    assert.equal(shellQuote("$HOME"), "'$HOME'");
  });
  test("fileRoutePath encodes each segment", () => {
    assert.equal(fileRoutePath("share/hello.txt"), "/v1/files/share/hello.txt");
    assert.equal(fileRoutePath("my share/a b/ü#?.txt"), "/v1/files/my%20share/a%20b/%C3%BC%23%3F.txt");
  });
  test("statItemGetUrl is a Connect GET with a url-encoded JSON message", () => {
    const url = statItemGetUrl("http://127.0.0.1:8080", "share/hello.txt");
    assert.equal(
      url,
      "http://127.0.0.1:8080/peer.v1.PeerService/StatItem?encoding=json&message=%7B%22itemId%22%3A%22share%2Fhello.txt%22%7D",
    );
    assert.deepEqual(JSON.parse(new URL(url).searchParams.get("message") ?? ""), { itemId: "share/hello.txt" });
  });
  test("commands carry the literal key, or $PEER_KEY when none is given", () => {
    const key = "peer_0123456789abcdef_" + "A".repeat(43);
    const withKey = firstRunCommands({ url: "http://127.0.0.1:8080", key, itemId: "share/hello.txt" });
    const commands = withKey.filter((l) => !l.startsWith("#"));
    assert.equal(commands.length, 6);
    for (const line of commands) assert.ok(line.includes(key), line);
    assert.ok(commands.some((l) => l.startsWith(`npx peer ls http://127.0.0.1:8080 --key ${key}`)));
    assert.ok(commands.some((l) => l.includes("--protocol connect")));
    assert.ok(commands.some((l) => l.includes("--protocol grpc --http2-prior-knowledge")));
    assert.ok(commands.some((l) => l.includes("--out downloads")));
    const without = firstRunCommands({ url: "http://127.0.0.1:8080", key: undefined, itemId: "share/hello.txt" });
    for (const line of without.filter((l) => !l.startsWith("#"))) assert.match(line, /\$PEER_KEY/);
  });
  test("TLS: https lines take --cacert and gRPC without prior knowledge", () => {
    const lines = firstRunCommands({
      url: "https://127.0.0.1:8443",
      key: undefined,
      itemId: "s/a",
      caFile: "/c/cert.pem",
    });
    const grpc = lines.find((l) => l.includes("--protocol grpc"));
    assert.ok(grpc !== undefined && !grpc.includes("--http2-prior-knowledge"));
    for (const line of lines.filter((l) => l.startsWith("curl") || l.startsWith("npx buf curl"))) {
      assert.match(line, /--cacert \/c\/cert\.pem/);
    }
  });
});
