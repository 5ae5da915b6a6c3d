/** The job identity decision (client/job/identity.ts): a table, hostile inputs first. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { compareJobs, type ContentFacts, type JobIdentity } from "../../../client/job/identity.js";

const ROOT_A = "a".repeat(64);
const ROOT_B = "b".repeat(64);
const SHA_A = "1".repeat(64);
const SHA_B = "2".repeat(64);

/** The live job: peer A's item, root and digest known. */
const job: ContentFacts = {
  peerUrl: "http://10.0.0.1:8080",
  itemId: "share/film.mkv",
  size: 1000,
  etag: '"e1"',
  sha256: SHA_A,
  piecesRoot: ROOT_A,
};
const noRoot: ContentFacts = { ...job, piecesRoot: null };
const elsewhere = { peerUrl: "http://192.168.1.7:9000", itemId: "films/film.mkv" };

const cases: Array<[string, ContentFacts, ContentFacts, JobIdentity]> = [
  // hostile or missing evidence
  [
    "malformed roots equal on both sides prove nothing",
    { ...noRoot, piecesRoot: "zz" },
    { ...noRoot, ...elsewhere, etag: '"x"', piecesRoot: "zz" },
    "different",
  ],
  [
    "a root of the wrong length is no root",
    { ...job, piecesRoot: "a".repeat(63) },
    { ...job, ...elsewhere, etag: '"x"', piecesRoot: "a".repeat(63) },
    "different",
  ],
  ["size unknown on the job (after a restart)", { ...job, size: null }, { ...job, ...elsewhere }, "different"],
  ["negative size", { ...job, size: -1 }, { ...job, ...elsewhere, size: -1 }, "different"],
  ["NaN size", { ...job, size: Number.NaN }, { ...job, ...elsewhere, size: Number.NaN }, "different"],
  ["same root, other size", job, { ...job, ...elsewhere, size: 999 }, "different"],
  ["other root, same size", job, { ...job, ...elsewhere, piecesRoot: ROOT_B }, "different"],
  ["other root even with equal etag and sha256", job, { ...job, ...elsewhere, piecesRoot: ROOT_B }, "different"],
  ["no root, etag empty on both", { ...noRoot, etag: "" }, { ...noRoot, ...elsewhere, etag: "" }, "different"],
  ["no root, etag null on both", { ...noRoot, etag: null }, { ...noRoot, ...elsewhere, etag: null }, "different"],
  ["no root, sha256 empty on both", { ...noRoot, sha256: "" }, { ...noRoot, ...elsewhere, sha256: "" }, "different"],
  ["no root, sha256 unknown on the new side", noRoot, { ...noRoot, ...elsewhere, sha256: "" }, "different"],
  [
    "no root, sha256 not hex",
    { ...noRoot, sha256: "x".repeat(64) },
    { ...noRoot, ...elsewhere, sha256: "x".repeat(64) },
    "different",
  ],
  ["no root, other sha256", noRoot, { ...noRoot, ...elsewhere, sha256: SHA_B }, "different"],
  ["no root, other etag", noRoot, { ...noRoot, ...elsewhere, etag: '"e2"' }, "different"],
  ["root on one side only, etags differ", job, { ...noRoot, ...elsewhere, etag: '"e2"' }, "different"],
  ["same peer, other item, other content", job, { ...job, itemId: "share/other.mkv", piecesRoot: ROOT_B }, "different"],
  [
    "another peer with the same item id but other bytes",
    job,
    { ...job, peerUrl: elsewhere.peerUrl, piecesRoot: ROOT_B },
    "different",
  ],
  // the same job
  ["same peer and item", job, { ...job }, "same-item"],
  [
    "same peer and item even if the bytes changed (the engine restarts)",
    job,
    { ...job, size: 5, piecesRoot: ROOT_B },
    "same-item",
  ],
  [
    "same peer and item, nothing known",
    { ...job, size: null, etag: null, sha256: null, piecesRoot: null },
    { ...job, size: null, etag: null, sha256: null, piecesRoot: null },
    "same-item",
  ],
  // the same content elsewhere
  [
    "same root and size from another peer (other etag)",
    job,
    { ...job, ...elsewhere, etag: '"other"', sha256: "" },
    "same-content",
  ],
  ["same root, upper-case hex", job, { ...job, ...elsewhere, piecesRoot: ROOT_A.toUpperCase() }, "same-content"],
  ["the same peer at a new address, root known", job, { ...job, peerUrl: "http://10.0.0.99:8081" }, "same-content"],
  [
    "the same peer at a new address, no root yet",
    noRoot,
    { ...noRoot, peerUrl: "http://10.0.0.99:8081" },
    "same-content",
  ],
  [
    "root on the job only: size, etag and sha256 agree",
    job,
    { ...noRoot, peerUrl: "http://10.0.0.99:8081" },
    "same-content",
  ],
  [
    "root on the new side only: size, etag and sha256 agree",
    noRoot,
    { ...job, peerUrl: "http://10.0.0.99:8081" },
    "same-content",
  ],
  ["no root, sha256 in another case", noRoot, { ...noRoot, ...elsewhere, sha256: SHA_A.toUpperCase() }, "same-content"],
  [
    "empty file with equal etag and sha256",
    { ...noRoot, size: 0 },
    { ...noRoot, ...elsewhere, size: 0 },
    "same-content",
  ],
];

for (const [name, existing, incoming, want] of cases) {
  test(`identity: ${name}`, () => {
    assert.equal(compareJobs(existing, incoming), want);
  });
}
