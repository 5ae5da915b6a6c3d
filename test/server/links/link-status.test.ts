/** Link status and download counting (pure): the expiry instant, budgets in bytes, empty files. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  downloadBudget,
  downloadCharge,
  downloadsUsed,
  linkStatus,
  type LinkFacts,
} from "../../../server/links/link-status.js";

const live: LinkFacts = { expiresAt: null, revokedAt: null, maxDownloads: null, bytesServed: 0 };

describe("linkStatus", () => {
  const cases: Array<[string, LinkFacts, number, number | undefined, string]> = [
    ["revoked beats everything", { ...live, revokedAt: 5, expiresAt: 1 }, 10, undefined, "revoked"],
    [
      "key-made, its key missing: fail closed",
      { ...live, createdBy: "k", creatorFound: false },
      0,
      undefined,
      "key-revoked",
    ],
    ["key-made, creator facts absent: fail closed", { ...live, createdBy: "k" }, 0, undefined, "key-revoked"],
    [
      "key revoked beats the link's expiry",
      { ...live, createdBy: "k", creatorFound: true, creatorRevokedAt: 3, expiresAt: 1 },
      10,
      undefined,
      "key-revoked",
    ],
    [
      "key expired at this instant",
      { ...live, createdBy: "k", creatorFound: true, creatorExpiresAt: 1000 },
      1000,
      undefined,
      "key-expired",
    ],
    [
      "link expired before its key",
      { ...live, createdBy: "k", creatorFound: true, creatorExpiresAt: 900, expiresAt: 800 },
      1000,
      undefined,
      "expired",
    ],
    [
      "key live: the link decides",
      { ...live, createdBy: "k", creatorFound: true, creatorExpiresAt: 2000 },
      1000,
      10,
      "active",
    ],
    ["no creator (peer links create): no key check", { ...live, createdBy: null, creatorFound: false }, 0, 1, "active"],
    ["at the expiry instant: expired", { ...live, expiresAt: 1000 }, 1000, undefined, "expired"],
    ["one ms before the expiry: active", { ...live, expiresAt: 1000 }, 999, undefined, "active"],
    ["after the expiry", { ...live, expiresAt: 1000 }, 5000, 10, "expired"],
    ["budget spent exactly", { ...live, maxDownloads: 2, bytesServed: 200 }, 0, 100, "exhausted"],
    ["budget over-spent", { ...live, maxDownloads: 1, bytesServed: 150 }, 0, 100, "exhausted"],
    ["one byte left", { ...live, maxDownloads: 2, bytesServed: 199 }, 0, 100, "active"],
    ["size unknown: never exhausted", { ...live, maxDownloads: 1, bytesServed: 1e9 }, 0, undefined, "active"],
    ["empty file, one unit spent", { ...live, maxDownloads: 1, bytesServed: 1 }, 0, 0, "exhausted"],
    ["unlimited", { ...live, bytesServed: 1e12 }, 0, 1, "active"],
  ];
  for (const [name, link, at, size, expected] of cases)
    test(name, () => assert.equal(linkStatus(link, at, size), expected));
});

describe("download counting", () => {
  test("budget is N copies of the file", () => assert.equal(downloadBudget(3, 1000), 3000));
  test("unlimited has no budget", () => assert.equal(downloadBudget(null, 1000), null));
  test("an empty file counts one unit per copy", () => assert.equal(downloadBudget(2, 0), 2));
  test("a range costs its bytes", () => assert.equal(downloadCharge(100, 1000), 100));
  test("a GET of an empty file costs one unit", () => assert.equal(downloadCharge(0, 0), 1));
  test("two halves make one download", () =>
    assert.equal(downloadsUsed(downloadCharge(500, 1000) + downloadCharge(500, 1000), 1000), 1));
});
