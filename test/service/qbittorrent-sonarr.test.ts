/**
 * The exact request sequence of Sonarr's QBittorrentProxyV2 (its source,
 * src/NzbDrone.Core/Download/Clients/QBittorrent/QBittorrentProxyV2.cs), replayed
 * as a table: the unauthenticated version probe, login, version, preferences,
 * categories (created when missing, then read again), add from a file with the
 * download form parameters, the properties poll, info by category, files,
 * share limits, topPrio, setForceStart, addTags, setCategory, delete with data.
 * Then the same with `Authorization: Bearer` (Sonarr's API-key setting).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { decodeTorrent } from "../../common/torrent/decode-torrent.js";
import type { TestPeer } from "../helpers/peer-server.js";
import { startServicePeer, type ServicePeer } from "./helpers/download-peer.js";
import { torrentOf, waitForStatus } from "./helpers/qbt.js";

interface Step {
  readonly name: string;
  readonly method: "GET" | "POST";
  readonly path: string;
  /** Query (GET) or form (POST) parameters. */
  readonly params?: Record<string, string>;
  /** Send the .torrent as the multipart `torrents` upload. */
  readonly upload?: boolean;
  readonly auth: "none" | "session" | "bearer";
  readonly status: number;
  readonly check?: (body: string) => void;
}

const CATEGORY = "tv-sonarr";

/** Sonarr's GetTorrents: `torrents/info` for its category, `check` given the first torrent listed. */
function torrentsByCategory(
  auth: "session" | "bearer",
  name: string,
  check: (first: Record<string, unknown> | undefined) => void,
): Step {
  return {
    name,
    method: "GET",
    path: "torrents/info",
    params: { category: CATEGORY },
    auth,
    status: 200,
    check: (b) => check((JSON.parse(b) as Array<Record<string, unknown>>)[0]),
  };
}

function sonarrSteps(hash: string, auth: "session" | "bearer", contentPath: () => string): Step[] {
  const json = (body: string) => JSON.parse(body) as unknown;
  return [
    {
      name: "probe without auth: 403 means API v2",
      method: "GET",
      path: "app/webapiVersion",
      auth: "none",
      status: 403,
    },
    {
      name: "GetApiVersion",
      method: "GET",
      path: "app/webapiVersion",
      auth,
      status: 200,
      check: (b) => assert.match(b, /^2\.11\.\d+$/),
    },
    {
      name: "GetVersion",
      method: "GET",
      path: "app/version",
      auth,
      status: 200,
      check: (b) => assert.match(b, /^v\d+\.\d+/),
    },
    {
      name: "GetConfig",
      method: "GET",
      path: "app/preferences",
      auth,
      status: 200,
      check: (b) => {
        const p = json(b) as Record<string, unknown>;
        for (const k of [
          "save_path",
          "max_ratio_enabled",
          "max_ratio",
          "max_seeding_time_enabled",
          "max_seeding_time",
          "max_ratio_act",
          "queueing_enabled",
          "dht",
        ])
          assert.ok(k in p, k);
      },
    },
    {
      name: "GetLabels (none yet)",
      method: "GET",
      path: "torrents/categories",
      auth,
      status: 200,
      check: (b) => assert.deepEqual(json(b), {}),
    },
    {
      name: "AddLabel",
      method: "POST",
      path: "torrents/createCategory",
      params: { category: CATEGORY },
      auth,
      status: 200,
    },
    {
      name: "GetLabels (created)",
      method: "GET",
      path: "torrents/categories",
      auth,
      status: 200,
      check: (b) => assert.deepEqual(json(b), { [CATEGORY]: { name: CATEGORY, savePath: "" } }),
    },
    {
      name: "AddTorrentFromFile",
      method: "POST",
      path: "torrents/add",
      upload: true,
      params: {
        category: CATEGORY,
        stopped: "false",
        sequentialDownload: "true",
        firstLastPiecePrio: "true",
        contentLayout: "Original",
      },
      auth,
      status: 200,
      check: (b) => assert.equal(b, "Ok."),
    },
    {
      name: "IsTorrentLoaded / GetTorrentProperties",
      method: "GET",
      path: "torrents/properties",
      params: { hash },
      auth,
      status: 200,
      check: (b) => assert.equal(typeof (json(b) as { save_path: unknown }).save_path, "string"),
    },
    torrentsByCategory(auth, "GetTorrents by category", (t) => {
      assert.equal(t?.hash, hash);
      for (const k of [
        "name",
        "size",
        "progress",
        "eta",
        "state",
        "category",
        "save_path",
        "content_path",
        "ratio",
        "ratio_limit",
        "seeding_time_limit",
        "inactive_seeding_time_limit",
        "last_activity",
        "added_on",
        "dlspeed",
      ])
        assert.ok(k in (t ?? {}), k);
    }),
    {
      name: "GetTorrentFiles",
      method: "GET",
      path: "torrents/files",
      params: { hash },
      auth,
      status: 200,
      check: (b) => assert.equal((json(b) as Array<{ name: string }>)[0]?.name, "ep.mkv"),
    },
    {
      name: "SetTorrentSeedingConfiguration",
      method: "POST",
      path: "torrents/setShareLimits",
      params: { hashes: hash, ratioLimit: "-2", seedingTimeLimit: "-2" },
      auth,
      status: 200,
    },
    {
      name: "MoveTorrentToTopInQueue",
      method: "POST",
      path: "torrents/topPrio",
      params: { hashes: hash },
      auth,
      status: 200,
    },
    {
      name: "SetForceStart",
      method: "POST",
      path: "torrents/setForceStart",
      params: { hashes: hash, value: "false" },
      auth,
      status: 200,
    },
    {
      name: "AddTags",
      method: "POST",
      path: "torrents/addTags",
      params: { hashes: hash, tags: "sonarr,hd" },
      auth,
      status: 200,
    },
    torrentsByCategory(auth, "GetTorrents (complete: importable)", (t) => {
      assert.equal(t?.state, "stalledUP");
      assert.equal(t?.progress, 1);
      assert.equal(t?.tags, "sonarr, hd");
      assert.equal(t?.content_path, contentPath());
      assert.notEqual(t?.content_path, t?.save_path);
    }),
    {
      name: "SetTorrentLabel after import",
      method: "POST",
      path: "torrents/setCategory",
      params: { hashes: hash, category: CATEGORY },
      auth,
      status: 200,
    },
    {
      name: "RemoveTorrent with data",
      method: "POST",
      path: "torrents/delete",
      params: { hashes: hash, deleteFiles: "true" },
      auth,
      status: 200,
    },
    { name: "gone", method: "GET", path: "torrents/properties", params: { hash }, auth, status: 404 },
  ];
}

describe("the Sonarr QBittorrentProxyV2 request sequence", { timeout: 300_000 }, () => {
  let source: TestPeer;
  let service: ServicePeer;
  let torrent: Uint8Array;
  let hash: string;
  before(async () => {
    ({ source, service } = await startServicePeer({ "ep.mkv": randomBytes(200_000) }));
    torrent = await torrentOf(source, "share/ep.mkv");
    const decoded = decodeTorrent(torrent);
    assert.ok(decoded.ok);
    hash = decoded.value.hash;
  });
  after(() => service?.close());

  for (const auth of ["session", "bearer"] as const) {
    test(`replayed with ${auth === "session" ? "auth/login and the SID cookie" : "Authorization: Bearer"}`, async () => {
      let cookie = "";
      if (auth === "session") {
        const bad = await fetch(`${service.server.url}/api/v2/auth/login`, {
          method: "POST",
          body: new URLSearchParams({ username: "sonarr", password: service.readKey }),
        });
        assert.equal(await bad.text(), "Fails.", "a read key cannot log in");
        const login = await fetch(`${service.server.url}/api/v2/auth/login`, {
          method: "POST",
          body: new URLSearchParams({ username: "sonarr", password: service.downloadsKey }),
        });
        assert.equal(await login.text(), "Ok.");
        const set = login.headers.get("set-cookie") ?? "";
        assert.match(set, /^SID=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
        cookie = set.split(";")[0] ?? "";
      }
      let contentPath = "";
      for (const step of sonarrSteps(hash, auth, () => contentPath)) {
        if (step.name.startsWith("GetTorrents (complete")) {
          const id = (await service.queue.list()).find((d) => d.fileName === "ep.mkv")?.id ?? "";
          await waitForStatus(service.queue, id, "completed");
          contentPath = (await service.queue.get(id))?.destination ?? "";
        }
        const headers: Record<string, string> = {};
        if (step.auth === "session") headers.cookie = cookie;
        if (step.auth === "bearer") headers.authorization = `Bearer ${service.downloadsKey}`;
        let url = `${service.server.url}/api/v2/${step.path}`;
        let body: FormData | URLSearchParams | undefined;
        if (step.method === "GET" && step.params) url += `?${new URLSearchParams(step.params)}`;
        if (step.method === "POST") {
          if (step.upload) {
            const form = new FormData();
            form.append("torrents", new Blob([torrent]), "ep.torrent");
            for (const [k, v] of Object.entries(step.params ?? {})) form.append(k, v);
            body = form;
          } else body = new URLSearchParams(step.params ?? {});
        }
        const res = await fetch(url, { method: step.method, headers, body });
        const text = await res.text();
        assert.equal(res.status, step.status, `${step.name}: ${text}`);
        step.check?.(text);
      }
      // Every category is kept; the next run starts from "created" again.
      await fetch(`${service.server.url}/api/v2/torrents/removeCategories`, {
        method: "POST",
        headers: { authorization: `Bearer ${service.downloadsKey}` },
        body: new URLSearchParams({ categories: CATEGORY }),
      });
    });
  }

  test("a SID that was never issued, and a read key as Bearer, get 403", async () => {
    const variants: Array<Record<string, string>> = [
      { cookie: `SID=${"A".repeat(43)}` },
      { authorization: `Bearer ${service.readKey}` },
    ];
    for (const headers of variants) {
      const res = await fetch(`${service.server.url}/api/v2/torrents/info`, { headers });
      assert.equal(res.status, 403);
      assert.equal(await res.text(), "Forbidden");
    }
  });
});
