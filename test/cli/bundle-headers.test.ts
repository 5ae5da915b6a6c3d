import assert from "node:assert/strict";
import { test } from "node:test";
import { Headers as BundleHeaders } from "../../cli/bundle-headers.js";

type AnyHeaders = typeof globalThis.Headers;

/** What a case observes: its result, or the kind of error it threw. */
function observe(run: (H: AnyHeaders) => unknown, H: AnyHeaders): unknown {
  try {
    return { value: run(H) };
  } catch (error) {
    return { threw: (error as Error).constructor.name };
  }
}

const dump = (h: globalThis.Headers) => ({
  entries: [...h],
  keys: [...h.keys()],
  values: [...h.values()],
  each: (() => {
    const seen: string[][] = [];
    h.forEach((value, key, parent) => {
      seen.push([key, value, String(parent === h)]);
    });
    return seen;
  })(),
  cookies: h.getSetCookie(),
});

// Hostile inputs first; each case runs on Node's own Headers (undici) and on the bundle's, and both
// must observe the same.
const cases: [string, (H: AnyHeaders) => unknown][] = [
  ["a name with a space", (H) => new H([["bad name", "x"]])],
  ["an empty name", (H) => new H({ "": "x" })],
  ["a name with a colon", (H) => new H().append("a:b", "x")],
  ["a name beyond Latin-1", (H) => new H().set("\u0100", "x")],
  ["a name with a Latin-1 letter", (H) => new H().set("\u00e9", "x")],
  ["a value with CR LF inside", (H) => new H({ a: "x\r\ny" })],
  ["a value with NUL", (H) => new H().append("a", "x\0y")],
  ["a value beyond Latin-1", (H) => new H().append("a", "\u20ac")],
  ["a value with Latin-1 bytes", (H) => dump(new H({ a: "caf\u00e9" }))],
  ["a pair of three", (H) => new H([["a", "b", "c"]] as unknown as string[][])],
  ["a pair of one", (H) => new H([["a"]] as unknown as string[][])],
  ["a pair that is a string", (H) => new H(["ab"] as unknown as string[][])],
  ["a number as init", (H) => new H(3 as unknown as ConstructorParameters<AnyHeaders>[0])],
  ["a string as init", (H) => new H("a" as unknown as ConstructorParameters<AnyHeaders>[0])],
  ["get of an invalid name", (H) => new H().get("a b")],
  ["has of an invalid name", (H) => new H().has("")],
  ["delete of an invalid name", (H) => new H().delete("(x)")],
  ["forEach without a callback", (H) => new H().forEach(undefined as unknown as () => void)],
  ["no init", (H) => dump(new H())],
  ["undefined init", (H) => dump(new H(undefined))],
  ["a record", (H) => dump(new H({ B: "2", a: "1", "Content-Type": "text/plain" }))],
  ["a record with an array value", (H) => dump(new H({ a: ["x", "y"] } as unknown as Record<string, string>))],
  ["a record with a number value", (H) => dump(new H({ a: 5 } as unknown as Record<string, string>))],
  [
    "pairs, repeated names in any case",
    (H) =>
      dump(
        new H([
          ["X-A", "1"],
          ["x-a", "2"],
          ["b", "3"],
        ]),
      ),
  ],
  ["a Map", (H) => dump(new H(new Map([["k", "v"]]) as unknown as ConstructorParameters<AnyHeaders>[0]))],
  [
    "another Headers",
    (H) =>
      dump(
        new H(
          new H([
            ["a", "1"],
            ["set-cookie", "s=1"],
            ["set-cookie", "t=2"],
          ]),
        ),
      ),
  ],
  ["whitespace trimmed at the ends only", (H) => dump(new H({ a: " \t x  y \r\n", b: "\n\n", c: "" }))],
  [
    "set-cookie kept apart",
    (H) => {
      const h = new H();
      h.append("Set-Cookie", "a=1");
      h.append("set-cookie", "b=2");
      h.append("x", "1");
      h.append("x", "2");
      return { ...dump(h), get: h.get("set-cookie"), x: h.get("X") };
    },
  ],
  [
    "set replaces, delete removes",
    (H) => {
      const h = new H([
        ["a", "1"],
        ["a", "2"],
        ["set-cookie", "c=1"],
        ["set-cookie", "d=2"],
      ]);
      h.set("A", "3");
      h.set("set-cookie", "e=5");
      const afterSet = dump(h);
      h.delete("A");
      h.delete("nothing");
      return { afterSet, after: dump(h), hasA: h.has("a"), getA: h.get("a"), hasCookie: h.has("Set-Cookie") };
    },
  ],
  [
    "deleting set-cookie",
    (H) => {
      const h = new H([
        ["set-cookie", "c=1"],
        ["set-cookie", "d=2"],
      ]);
      h.delete("SET-COOKIE");
      h.append("set-cookie", "z=9");
      return dump(h);
    },
  ],
  [
    "sorted by name",
    (H) =>
      dump(
        new H([
          ["zeta", "1"],
          ["Alpha", "2"],
          ["_x", "3"],
          ["a-b", "4"],
          ["a", "5"],
          ["0", "6"],
          ["~", "7"],
        ]),
      ),
  ],
  [
    "forEach's this",
    (H) => {
      const self = { n: 0 };
      new H({ a: "1", b: "2" }).forEach(function (this: typeof self) {
        this.n++;
      }, self);
      return self.n;
    },
  ],
  ["toStringTag", (H) => Object.prototype.toString.call(new H())],
  ["get of an absent name", (H) => new H({ a: "1" }).get("b")],
];

test("the bundle's Headers behaves as Node's own, case by case", () => {
  for (const [name, run] of cases) {
    assert.deepEqual(observe(run, BundleHeaders as unknown as AnyHeaders), observe(run, globalThis.Headers), name);
  }
});

test("the bundle's Headers is what Connect's header helpers need", () => {
  const h = new BundleHeaders({ "Content-Type": "application/proto" });
  h.append("grpc-status", "0");
  assert.equal(h.get("content-type"), "application/proto");
  assert.deepEqual([...new globalThis.Headers(h as unknown as globalThis.Headers)], [...h]);
  assert.deepEqual(
    [...new BundleHeaders(new globalThis.Headers({ b: "2", a: "1" }))],
    [
      ["a", "1"],
      ["b", "2"],
    ],
  );
});
