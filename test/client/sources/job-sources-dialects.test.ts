/**
 * Jobs keyed by content and their sources, on both dialects (SQLite file, PostgreSQL):
 * the download_source repository, createOrReuseJob (same item, same content from a new
 * address, other content, the source limit, all in one transaction), and the public
 * shape of DownloadManager.sources().
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import type { Kysely } from "kysely";
import { ItemSchema, type Item } from "../../../gen/peer/v1/peer_pb.js";
import { DownloadError } from "../../../client/errors.js";
import type { DownloadEvent } from "../../../client/events/download-events.js";
import { createOrReuseJob, insertNewJobs, isUniqueViolation, type NewJob } from "../../../client/manager/enqueue.js";
import { MAX_JOB_SOURCES } from "../../../client/sources/plan-sources.js";
import { openDownloadsDatabase, type ClientDatabase } from "../../../client/store/database.js";
import * as repo from "../../../client/store/download.repository.js";
import * as sources from "../../../client/store/download-source.repository.js";
import { toDownloadSource } from "../../../client/store/download-source-mapper.js";
import { createDownloadManager } from "../../../client/index.js";
import { dialectCases, type StoreLocation } from "../../helpers/dialects.js";
import { downloadRow } from "../../helpers/download-rows.js";

const ROOT = "c".repeat(64);
const SHA = "d".repeat(64);

function item(over: { id?: string; etag?: string; sha256?: string; piecesRoot?: string } = {}): Item {
  return create(ItemSchema, {
    id: "share/film.mkv",
    name: "film.mkv",
    size: 5000n,
    etag: '"e-a"',
    sha256: SHA,
    piecesRoot: ROOT,
    pieceLength: 16384n,
    ...over,
  });
}

let n = 0;
function newJob(over: Partial<NewJob> = {}): NewJob {
  return {
    peerUrl: "http://10.0.0.1:8080",
    keyRef: "sha256:aaaaaaaaaaaaaaaa",
    transport: "connect",
    itemId: "share/film.mkv",
    item: item(),
    destination: `/dl/film-${++n}.mkv`,
    name: "film.mkv",
    ...over,
  };
}

for (const dialect of dialectCases()) {
  describe(`job sources on ${dialect.name}`, { skip: dialect.skip, timeout: 120_000 }, () => {
    let where: StoreLocation;
    let db: Kysely<ClientDatabase>;
    const events: DownloadEvent[] = [];
    let clock = 1_790_000_000_000;
    const now = () => ++clock;
    const emit = (e: DownloadEvent) => events.push(e);
    before(async () => {
      where = await dialect.location();
      db = await openDownloadsDatabase(where.dataDir, { databaseUrl: where.databaseUrl });
    });
    after(async () => {
      await db?.destroy();
      await where?.cleanup();
    });

    test("insertNewJobs: the rows and sources createOrReuseJob makes, many jobs in one transaction", async () => {
      const one = newJob({ extra: { peers: [], mirrors: ["https://m.example/one"] } });
      const alone = await createOrReuseJob(db, one, () => 7, emit);
      const many = Array.from({ length: 450 }, (_, i) =>
        newJob({
          item: item(i % 2 === 0 ? {} : { piecesRoot: "" }),
          extra: { peers: [], mirrors: ["https://m.example/one"] },
        }),
      );
      const entries = many.map((job, i) => ({ id: `batch-${i}`, job, t: 7 }));
      await db.transaction().execute((trx) => insertNewJobs(trx, entries));
      const strip = (r: object | undefined) => ({ ...r, id: "", destination: "", part_path: "" });
      const first = await repo.getDownloadRow(db, "batch-0");
      assert.deepEqual(strip(first), strip(await repo.getDownloadRow(db, alone.id)), "the same row as one at a time");
      assert.equal((await repo.getDownloadRow(db, "batch-1"))?.pieces_root, null, "a peer still hashing: no root yet");
      const srcs = (id: string) =>
        sources.listSources(db, id).then((l) => l.map((x) => [x.kind, x.url, x.item_id, x.etag, x.created_at]));
      assert.deepEqual(await srcs("batch-449"), await srcs(alone.id), "sources in order, as one at a time");
      const dests = await repo.findLiveDestinations(db, [...many.map((j) => j.destination), "/dl/none"]);
      assert.equal(dests.size, many.length, "every new destination is held; an unknown one is not");
      // A destination a live job holds fails the whole batch: nothing of it stays.
      const clash = [
        { id: "clash-new", job: newJob(), t: 8 },
        { id: "clash-old", job: newJob({ destination: one.destination }), t: 8 },
      ];
      await assert.rejects(
        db.transaction().execute((trx) => insertNewJobs(trx, clash)),
        (e) => isUniqueViolation(e),
      );
      assert.equal(await repo.getDownloadRow(db, "clash-new"), undefined, "rolled back");
    });

    test("repository: insert, refresh (the ban stays, the backoff is cleared), bytes, order, delete", async () => {
      await repo.insertDownload(db, downloadRow({ id: "r1" }));
      const a = await sources.upsertSource(db, "r1", { kind: "peer", url: "http://a:1", keyRef: "sha256:1" }, 10);
      const m = await sources.upsertSource(db, "r1", { kind: "mirror", url: "https://m.example/f" }, 11);
      await sources.addSourceBytes(db, a, 2 ** 33, 1234.6, 12);
      await sources.addSourceBytes(db, a, 100, 99, 13);
      await sources.updateSource(db, m, { banned_reason: "piece 3 failed its hash", failures: 4, next_retry_at: 99 });
      assert.equal(await sources.upsertSource(db, "r1", { kind: "mirror", url: "https://m.example/f" }, 14), m);
      assert.equal(await sources.upsertSource(db, "r1", { kind: "peer", url: "http://a:1", itemId: "s/x" }, 15), a);
      const rows = await sources.listSources(db, "r1");
      assert.deepEqual(
        rows.map((r) => [r.url, r.item_id, r.bytes_delivered, r.rate, r.failures, r.next_retry_at, r.banned_reason]),
        [
          ["http://a:1", "s/x", 2 ** 33 + 100, 99, 0, null, null],
          ["https://m.example/f", null, 0, 0, 0, null, "piece 3 failed its hash"],
        ],
        "numbers come back as numbers; asking again keeps the ban",
      );
      await assert.rejects(
        db
          .insertInto("download_source")
          .values({ ...rows[0]!, id: "dup" })
          .execute(),
        /UNIQUE|unique/,
        "one URL once per job",
      );
      await sources.deleteSources(db, "r1");
      assert.deepEqual(await sources.listSources(db, "r1"), []);
    });

    test("create: the job and its primary peer as a source, in one go; extra peers and mirrors added", async () => {
      const job = newJob({
        extra: {
          peers: [{ url: "http://10.0.0.2:8080", key: "k2", keyRef: "sha256:2222222222222222", transport: "grpc" }],
          mirrors: ["https://m.example/film.mkv"],
        },
      });
      const slot = await createOrReuseJob(db, job, now, emit);
      assert.equal(slot.kind, "created");
      const rows = await sources.listSources(db, slot.id);
      assert.deepEqual(
        rows.map((r) => [r.kind, r.url, r.key_ref, r.transport, r.item_id, r.etag]),
        [
          ["peer", "http://10.0.0.1:8080", "sha256:aaaaaaaaaaaaaaaa", "connect", "share/film.mkv", '"e-a"'],
          ["peer", "http://10.0.0.2:8080", "sha256:2222222222222222", "grpc", null, null],
          ["mirror", "https://m.example/film.mkv", null, null, null, null],
        ],
      );
      assert.ok(!JSON.stringify(rows).includes('"k2"'), "no key stored");
      assert.equal(events.filter((e) => e.type === "queued" && e.id === slot.id).length, 1);
    });

    test("the same peer at a new address: same job, the new address is primary, both are sources", async () => {
      const first = newJob();
      const created = await createOrReuseJob(db, first, now, emit);
      // The engine has learned the root (as pieces-attempt.ts records it).
      await db
        .updateTable("download")
        .set({ pieces_root: ROOT, piece_length: 16384 })
        .where("id", "=", created.id)
        .execute();
      await repo.updateDownloadIfStatus(db, created.id, ["queued"], { status: "paused", error_code: "paused-by-user" });
      const moved = {
        ...first,
        peerUrl: "http://10.0.0.77:9090",
        keyRef: "sha256:bbbbbbbbbbbbbbbb",
        transport: "http",
      };
      const slot = await createOrReuseJob(db, moved, now, emit);
      assert.deepEqual(slot, { kind: "reused", id: created.id, identity: "same-content" });
      const row = await repo.getDownloadRow(db, created.id);
      assert.equal(row?.peer_url, "http://10.0.0.77:9090");
      assert.equal(row?.key_ref, "sha256:bbbbbbbbbbbbbbbb");
      assert.equal(row?.transport, "http");
      assert.equal(row?.status, "queued", "a paused job is re-queued");
      assert.equal(row?.error_code, null);
      assert.equal(row?.pieces_root, ROOT, "the verified state is kept");
      assert.deepEqual(
        (await sources.listSources(db, created.id)).map((s) => s.url),
        ["http://10.0.0.1:8080", "http://10.0.0.77:9090"],
      );
      // Again from the new address: the same item now, nothing added.
      const again = await createOrReuseJob(db, moved, now, emit);
      assert.deepEqual(again, { kind: "reused", id: created.id, identity: "same-item" });
      assert.equal((await sources.listSources(db, created.id)).length, 2);
    });

    test("the same content from another peer (other item id and etag): it becomes primary with its etag", async () => {
      const created = await createOrReuseJob(db, newJob(), now, emit);
      await db.updateTable("download").set({ pieces_root: ROOT }).where("id", "=", created.id).execute();
      const dest = (await repo.getDownloadRow(db, created.id))!.destination;
      const friend = newJob({
        peerUrl: "http://friend:8080",
        itemId: "films/film.mkv",
        item: item({ id: "films/film.mkv", etag: '"e-friend"', sha256: "" }),
        destination: dest,
      });
      const slot = await createOrReuseJob(db, friend, now, emit);
      assert.equal(slot.kind, "reused");
      const row = await repo.getDownloadRow(db, created.id);
      assert.equal(row?.item_id, "films/film.mkv");
      assert.equal(row?.expected_etag, '"e-friend"', "the etag sent as If-Match to the primary is the friend's");
      assert.equal(row?.expected_sha256, SHA, "the known digest stays");
    });

    test("different content at the destination: destination-busy, nothing changed", async () => {
      const created = await createOrReuseJob(db, newJob(), now, emit);
      const dest = (await repo.getDownloadRow(db, created.id))!.destination;
      const other = newJob({
        peerUrl: "http://10.0.0.9:1",
        item: item({ piecesRoot: "e".repeat(64), etag: '"other"' }),
        destination: dest,
      });
      await assert.rejects(
        createOrReuseJob(db, other, now, emit),
        (e: unknown) =>
          e instanceof DownloadError &&
          e.code === "destination-busy" &&
          /cancel it or choose another --out/.test(e.message),
      );
      assert.equal((await repo.getDownloadRow(db, created.id))?.peer_url, "http://10.0.0.1:8080");
      assert.equal((await sources.listSources(db, created.id)).length, 1);
    });

    test("a job never gets more than 16 sources; the refused enqueue changes nothing (one transaction)", async () => {
      const mirrors = (from: number, count: number) =>
        Array.from({ length: count }, (_, i) => `https://m${from + i}.example/f`);
      const created = await createOrReuseJob(
        db,
        newJob({ extra: { peers: [], mirrors: mirrors(0, MAX_JOB_SOURCES - 1) } }),
        now,
        emit,
      );
      const dest = (await repo.getDownloadRow(db, created.id))!.destination;
      const moved = newJob({
        peerUrl: "http://10.0.0.50:1",
        destination: dest,
        extra: { peers: [], mirrors: mirrors(100, 1) },
      });
      await assert.rejects(
        createOrReuseJob(db, moved, now, emit),
        (e: unknown) =>
          e instanceof DownloadError && e.code === "invalid-argument" && /18 sources, more than 16/.test(e.message),
      );
      assert.equal((await repo.getDownloadRow(db, created.id))?.peer_url, "http://10.0.0.1:8080", "rolled back");
      assert.equal((await sources.listSources(db, created.id)).length, MAX_JOB_SOURCES);
    });

    test("sources(): camelCase, no key material, state banned / waiting / ready", async () => {
      const manager = createDownloadManager({ db, now: () => 5_000, downloadDir: where.dataDir });
      await manager.start({ runJobs: false });
      try {
        const created = await createOrReuseJob(
          db,
          newJob({ extra: { peers: [], mirrors: ["https://a.example/f", "https://b.example/f"] } }),
          now,
          emit,
        );
        const [, a, b] = await sources.listSources(db, created.id);
        await sources.updateSource(db, a!.id, { banned_reason: "piece 0 failed its hash", next_retry_at: 9_000 });
        await sources.updateSource(db, b!.id, { failures: 2, next_retry_at: 9_000, last_error: "ECONNREFUSED" });
        const list = await manager.sources(created.id.slice(0, 8));
        assert.deepEqual(
          list.map((s) => [s.kind, s.primary, s.state, s.failures, s.nextRetryAt?.getTime() ?? null]),
          [
            ["peer", true, "ready", 0, null],
            ["mirror", false, "banned", 0, 9_000],
            ["mirror", false, "waiting", 2, 9_000],
          ],
        );
        assert.equal(list[2]?.lastError, "ECONNREFUSED");
        assert.equal(list[0]?.itemId, "share/film.mkv");
        assert.ok(!JSON.stringify(list).includes("key"), "no key or key_ref in the public shape");
        await assert.rejects(manager.sources("nope-nope"), (e: unknown) => (e as DownloadError).code === "not-found");
        // Sources are checked before any lookup: nothing listens on port 9, yet the answer is about the mirror.
        const bad: Array<[object, RegExp]> = [
          [{ mirrors: ["ftp://m.example/f"] }, /got "ftp:"/],
          [{ mirrors: ["https://user:pw@m.example/f"] }, /user name or password/],
          [{ mirrors: Array.from({ length: 16 }, (_, i) => `https://m${i}.example/f`) }, /at most 16 sources/],
          [{ sources: [{ url: "http://10.0.0.2:1", key: "" }] }, /has no API key/],
        ];
        for (const [options, message] of bad) {
          await assert.rejects(
            manager.enqueue({ url: "http://127.0.0.1:9", key: "k" }, "share/film.mkv", options),
            (e: unknown) => e instanceof DownloadError && e.code === "invalid-argument" && message.test(e.message),
          );
        }
        // After its retry time a waiting source is ready again.
        const later = toDownloadSource((await sources.listSources(db, created.id))[2]!, "", 9_001);
        assert.equal(later.state, "ready");
      } finally {
        await manager.close();
      }
    });
  });
}
