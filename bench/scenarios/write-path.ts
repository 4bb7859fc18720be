// Durable write path: POST /sessions/:id/messages (validated, idempotency-keyed, journaled,
// acknowledged after fsync, run enqueued to the no-op provider) against a bare Koa hello-world.
import type { Figure } from "../lib/figures.ts";
import { postLoad, type LoadResult } from "../lib/load.ts";
import { benchDaemon, http, stopDaemon, startBaseline } from "../lib/processes.ts";
import { median } from "../lib/stats.ts";
import type { Profile } from "../profiles.ts";
import { waitQueueIdle } from "./queue.ts";

export async function writePath(p: Profile): Promise<Figure[]> {
  const { connections, seconds, sessions: nSessions } = p.writePath;
  const daemon = await benchDaemon();
  const koa = await startBaseline("koa-hello.ts");
  try {
    const sessions: string[] = [];
    for (let i = 0; i < nSessions; i++) {
      const r = await http<{ session: { id: string } }>("POST", `${daemon.url}/sessions`, { title: `bench ${i}`, provider: "noop" });
      sessions.push(r.session.id);
    }
    let n = 0;
    const next = () => {
      const i = n++;
      return {
        path: `/sessions/${sessions[i % sessions.length]}/messages`,
        headers: { "content-type": "application/json", "idempotency-key": `bench-${process.pid}-${i}` },
        body: JSON.stringify({ text: `message ${i}` }),
      };
    };
    const agentd: LoadResult[] = [];
    const bare: LoadResult[] = [];
    for (let rep = 0; rep < p.reps; rep++) {
      bare.push(await postLoad(koa.url, connections, seconds, next));
      agentd.push(await postLoad(daemon.url, connections, seconds, next));
      // Let the queue drain the runs this load enqueued before the next measurement.
      await waitQueueIdle(daemon.url, 300_000);
    }
    const bad = agentd.find((r) => r.non2xx > 0 || r.errors > 0);
    if (bad) throw new Error(`agentd answered ${bad.non2xx} non-2xx responses and ${bad.errors} errors under load; see the daemon log:\n${daemon.logs().slice(-2000)}`);
    const ratio = median(agentd.map((r) => r.rps)) / median(bare.map((r) => r.rps));
    const what = `${connections} connections, ${seconds} s per run, autocannon; ${nSessions} sessions on the no-op provider, a unique Idempotency-Key per request`;
    return [
      {
        id: "write.throughput",
        group: "Durable write path",
        title: "POST /sessions/:id/messages throughput",
        unit: "req/s",
        samples: agentd.map((r) => r.rps),
        baseline: { label: "bare Koa hello-world", samples: bare.map((r) => r.rps) },
        target: { text: ">= 50% of bare Koa", met: ratio >= 0.5 },
        note: what,
      },
      {
        id: "write.p99",
        group: "Durable write path",
        title: "POST /sessions/:id/messages p99 latency",
        unit: "ms",
        samples: agentd.map((r) => r.p99),
        baseline: { label: "bare Koa hello-world p99", samples: bare.map((r) => r.p99) },
        note: "autocannon's latency (request sent to response received) at the same load",
      },
    ];
  } finally {
    await koa.stop();
    await stopDaemon(daemon);
  }
}
