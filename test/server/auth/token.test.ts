import { test } from "node:test";
import assert from "node:assert/strict";
import { apiKeyFromHeaders, extractApiKey, MAX_PRESENTED_KEY_LENGTH } from "../../../server/auth/token.js";

test("extractApiKey", () => {
  const cases: Array<[string, string | null | undefined, string | null | undefined, string | undefined]> = [
    ["nothing", undefined, undefined, undefined],
    ["nulls", null, null, undefined],
    ["bearer", "Bearer peer_abc", undefined, "peer_abc"],
    ["bearer, any case", "bEaReR peer_abc", undefined, "peer_abc"],
    ["bearer, extra spaces", "  Bearer \t peer_abc  ", undefined, "peer_abc"],
    ["x-api-key", undefined, "peer_abc", "peer_abc"],
    ["x-api-key trimmed", undefined, "  peer_abc ", "peer_abc"],
    ["bearer wins over x-api-key", "Bearer one", "two", "one"],
    ["empty authorization falls back", "   ", "two", "two"],
    ["basic scheme: no key, no fallback", "Basic dXNlcjpwYXNz", "two", undefined],
    ["bearer without token", "Bearer", undefined, undefined],
    ["bearer with two tokens", "Bearer a b", undefined, undefined],
    ["token alone without scheme", "peer_abc", undefined, undefined],
    ["empty x-api-key", undefined, "", undefined],
    ["non-ASCII key", undefined, "clé", undefined],
    ["control char", undefined, "a\u0001b", undefined],
    ["too long", undefined, "a".repeat(MAX_PRESENTED_KEY_LENGTH + 1), undefined],
    ["longest accepted", undefined, "a".repeat(MAX_PRESENTED_KEY_LENGTH), "a".repeat(MAX_PRESENTED_KEY_LENGTH)],
  ];
  for (const [name, authorization, xApiKey, expected] of cases)
    assert.equal(extractApiKey(authorization, xApiKey), expected, name);
});

test("apiKeyFromHeaders reads either header, case-insensitively", () => {
  assert.equal(apiKeyFromHeaders(new Headers({ Authorization: "Bearer k1" })), "k1");
  assert.equal(apiKeyFromHeaders(new Headers({ "X-API-KEY": "k2" })), "k2");
  assert.equal(apiKeyFromHeaders(new Headers()), undefined);
});
