import { ensureRandomFile } from "./files.js";
import { startNginx, findNginx } from "./nginx.js";
import { runCurl } from "./curl.js";
import { processCpuSeconds, processMemory } from "./cpu.js";
import { startNodeChild } from "./child.js";
const t0 = Date.now();
const f = await ensureRandomFile("/tmp/pb/share/big.bin", 1 << 30);
console.log("gen", f, Date.now() - t0);
const ng = await startNginx(findNginx()!, "/tmp/pb/share");
const pl = await startNodeChild<{url:string}>("bench/servers/pipeline-server.ts", { root: "/tmp/pb/share", highWaterMark: 2 << 20 });
for (let i = 0; i < 3; i++) {
  for (const [n, url, pid] of [["nginx", ng.url, ng.pid], ["pipe", pl.info.url, pl.pid]] as const) {
    const c0 = processCpuSeconds(pid);
    const r = await runCurl(url + "/big.bin", { expectedBytes: 1 << 30 });
    console.log(n, (1024 / r.seconds).toFixed(0), "MiB/s cpu", processCpuSeconds(pid) - c0, processMemory(pid));
  }
}
await ng.stop(); await pl.stop();
