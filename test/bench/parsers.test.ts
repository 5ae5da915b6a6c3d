import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromBinary } from "@bufbuild/protobuf";
import { ReadFileRequestSchema } from "../../gen/peer/v1/peer_pb.js";
import { parseProcStatCpuSeconds, parseProcStatusMemory, processCpuSeconds, processMemory } from "../../bench/cpu.js";
import { parseCurlWriteOut } from "../../bench/curl.js";
import { nginxConfig } from "../../bench/nginx.js";
import { connectReadFileRequest, httpGetRequest, parseStatusLine } from "../../bench/stalled-readers.js";

describe("parseProcStatCpuSeconds", () => {
  const line = (comm: string, utime: number, stime: number) =>
    `1234 (${comm}) S 1 1234 1234 0 -1 4194560 100 0 0 0 ${utime} ${stime} 0 0 20 0 11 0 500 1000 2000`;
  it("adds utime and stime in clock ticks", () => assert.equal(parseProcStatCpuSeconds(line("node", 250, 50)), 3));
  it("survives a command name with spaces and parentheses", () => {
    assert.equal(parseProcStatCpuSeconds(line("we ird) (name", 100, 100)), 2);
  });
  it("refuses a line without a command name", () => assert.equal(parseProcStatCpuSeconds("1234 S 1 2 3"), undefined));
  it("refuses a truncated line", () => assert.equal(parseProcStatCpuSeconds("1234 (node) S 1 2"), undefined));
  it("reads this process", () => assert.ok(processCpuSeconds(process.pid) >= 0));
  it("is NaN for a process that does not exist", () => assert.ok(Number.isNaN(processCpuSeconds(2 ** 30))));
});

describe("parseProcStatusMemory", () => {
  it("reads VmRSS and VmHWM in kB", () => {
    const text = "Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t11\n";
    assert.deepEqual(parseProcStatusMemory(text), { rss: 100 * 1048576, peakRss: 200 * 1048576 });
  });
  it("is undefined for a kernel thread without Vm lines", () =>
    assert.equal(parseProcStatusMemory("Name:\tkthreadd\n"), undefined));
  it("reads this process", () => {
    const m = processMemory(process.pid);
    assert.ok(m !== undefined && m.rss > 0 && m.peakRss >= m.rss);
  });
});

describe("parseCurlWriteOut", () => {
  it("reads time, size and status", () => {
    assert.deepEqual(parseCurlWriteOut("0.512345 1073741824 200"), {
      seconds: 0.512345,
      bytes: 1073741824,
      status: 200,
    });
  });
  it("tolerates a trailing newline", () => assert.equal(parseCurlWriteOut("1 2 206\n")?.status, 206));
  it("refuses other shapes", () => {
    assert.equal(parseCurlWriteOut(""), undefined);
    assert.equal(parseCurlWriteOut("1 2"), undefined);
    assert.equal(parseCurlWriteOut("a b c"), undefined);
  });
});

describe("raw requests of the stalled readers", () => {
  it("a GET with headers ends with an empty line", () => {
    const text = httpGetRequest("/v1/files/bench/a.bin", { Authorization: "Bearer k" }).toString("latin1");
    assert.equal(text, "GET /v1/files/bench/a.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer k\r\n\r\n");
  });
  it("a Connect ReadFile request carries one enveloped message that decodes back", () => {
    const raw = connectReadFileRequest("bench/a.bin", 1048576);
    const sep = raw.indexOf("\r\n\r\n");
    const head = raw.subarray(0, sep).toString("latin1");
    const body = raw.subarray(sep + 4);
    assert.match(head, /^POST \/peer\.v1\.PeerService\/ReadFile HTTP\/1\.1\r\n/);
    assert.match(head, /Content-Type: application\/connect\+proto/);
    assert.match(head, new RegExp(`Content-Length: ${body.length}`));
    assert.equal(body[0], 0, "flags: not compressed, not end-stream");
    assert.equal(body.readUInt32BE(1), body.length - 5);
    const msg = fromBinary(ReadFileRequestSchema, body.subarray(5));
    assert.equal(msg.itemId, "bench/a.bin");
    assert.equal(msg.chunkSize, 1048576);
  });
  const statusCases: Array<[string, number | undefined]> = [
    ["HTTP/1.1 200 OK\r\n", 200],
    ["HTTP/1.0 429 Too Many Requests", 429],
    ["HTTP/2 200", undefined],
    ["garbage", undefined],
  ];
  for (const [head, want] of statusCases)
    it(`status of ${JSON.stringify(head)}`, () => assert.equal(parseStatusLine(head), want));
});

describe("nginxConfig", () => {
  const conf = nginxConfig("/tmp/x", "/srv/share", 4567);
  it("serves the root with sendfile on a loopback port", () => {
    assert.match(conf, /sendfile on;/);
    assert.match(conf, /listen 127\.0\.0\.1:4567;/);
    assert.match(conf, /root \/srv\/share;/);
  });
  it("keeps every path inside its temp dir and stays in the foreground as one process", () => {
    assert.match(conf, /daemon off;/);
    assert.match(conf, /master_process off;/);
    for (const m of conf.matchAll(/(?:pid|error_log|_temp_path) (\S+?);?\s/g))
      assert.ok(m[1]?.startsWith("/tmp/x/"), m[0]);
  });
});
