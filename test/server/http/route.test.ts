import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compileRoute, targetPath, type RouteMatch } from "../../../server/http/route.js";
import { readFileRouteTemplate } from "../../../server/http/serve-file.js";

const route = compileRoute("/v1/files/{item_id=**}");
const NOT_FOUND: RouteMatch = { kind: "not-found" };
const OUTSIDE: RouteMatch = { kind: "outside" };
const item = (value: string): RouteMatch => ({ kind: "match", value });

// [name, request target, expected]; hostile inputs first.
const cases: [string, string, RouteMatch][] = [
  ["encoded slash", "/v1/files/media/a%2Fb", NOT_FOUND],
  ["encoded lower-case slash", "/v1/files/media%2f..%2fetc/passwd", NOT_FOUND],
  ["encoded backslash", "/v1/files/media/a%5Cb", NOT_FOUND],
  ["encoded NUL", "/v1/files/media/a%00b", NOT_FOUND],
  ["dot-dot segment", "/v1/files/media/../etc/passwd", NOT_FOUND],
  ["encoded dot-dot", "/v1/files/media/%2e%2e/x", NOT_FOUND],
  ["dot segment", "/v1/files/media/./a", NOT_FOUND],
  ["empty segment", "/v1/files/media//a", NOT_FOUND],
  ["trailing slash", "/v1/files/media/", NOT_FOUND],
  ["bad escape", "/v1/files/media/%zz", NOT_FOUND],
  ["invalid UTF-8", "/v1/files/media/%ff", NOT_FOUND],
  ["double encoding decodes once", "/v1/files/media/a%252Fb", item("media/a%2Fb")],
  ["no id at all", "/v1/files/", NOT_FOUND],
  ["prefix without slash is not ours", "/v1/files", OUTSIDE],
  ["other path", "/peer.v1.PeerService/StatItem", OUTSIDE],
  ["root", "/", OUTSIDE],
  ["case matters", "/V1/files/media/a", OUTSIDE],
  ["plain id", "/v1/files/media/a.bin", item("media/a.bin")],
  ["deep id", "/v1/files/media/films/2024/a.mkv", item("media/films/2024/a.mkv")],
  ["query dropped", "/v1/files/media/a.bin?x=1&y=%2F", item("media/a.bin")],
  ["encoded space and unicode", "/v1/files/media/%C3%A9t%C3%A9%20a.txt", item("media/été a.txt")],
  ["encoded question mark", "/v1/files/media/what%3F.txt", item("media/what?.txt")],
  ["absolute-form target", "http://127.0.0.1:8080/v1/files/media/a.bin", item("media/a.bin")],
  ["absolute-form, other path", "http://h/other", OUTSIDE],
];

describe("compileRoute(/v1/files/{item_id=**})", () => {
  test("prefix", () => assert.equal(route.prefix, "/v1/files/"));
  for (const [name, target, expected] of cases)
    test(`${name}: ${target}`, () => assert.deepEqual(route.match(target), expected));
});

describe("route templates", () => {
  test("the proto's annotation is the template the route uses", () => {
    assert.equal(readFileRouteTemplate(), "/v1/files/{item_id=**}");
  });
  test("other shapes: single-segment variable and literals after it", () => {
    const r = compileRoute("/a/{name}/raw");
    assert.equal(r.prefix, "/a/");
    assert.deepEqual(r.match("/a/x/raw"), item("x"));
    assert.deepEqual(r.match("/a/x/y/raw"), NOT_FOUND);
    assert.deepEqual(r.match("/a/x/cooked"), NOT_FOUND);
  });
  for (const bad of [
    "v1/files/{id}",
    "/v1/files",
    "/v1/{a}/{b}",
    "/v1/**/x/{id}",
    "/v1/files/{id=**}:get",
    "/v1//{id}",
    "/v1/{bad id}",
  ]) {
    test(`refuses ${bad}`, () => assert.throws(() => compileRoute(bad), /route template/));
  }
  test("targetPath keeps the raw path", () => {
    assert.equal(targetPath("/a/../b?c#d"), "/a/../b");
    assert.equal(targetPath("https://x.y:1"), "/");
  });
});
