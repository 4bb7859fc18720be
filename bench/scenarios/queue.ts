// Queue overhead: enqueue -> provider start with the no-op provider, and runs per second at
// --max-concurrency N. Both stamps are taken inside the daemon by the bench plugin: the start is
// the moment `run.queued` is published (the run is durably committed as queued, just before the
// queue is woken) and the end is the no-op provider's `run()` being entered.
import type { Figure } from "../lib/figures.ts";
import { nowMs } from "../lib/clock.ts";
import { benchDaemon, http, stopDaemon, startBaseline } from "../lib/processes.ts";
import { median, summarize } from "../lib/stats.ts";
import type { Profile } from "../profiles.ts";

interface QueueStats {
  commitToStart: number[];
  commitToMicrotask: number[];
  firstQueuedAt: number | null;
  lastCompletedAt: number | null;
  completed: number;
}

/** Wait until no run is queued or running. */
export async function waitQueueIdle(url: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = await http<{ queue_counts: { queued_count: number; running_count: number } }>("GET", `${url}/daemon/status`);
    if (s.queue_counts.queued_count === 0 && s.queue_counts.running_count === 0) return;
    if (Date.now() > end) throw new Error(`the queue did not drain within ${timeoutMs} ms: ${JSON.stringify(s.queue_counts)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `clients` concurrent loops, each posting `perClient` requests one after another. */
async function clientLoops(clients: number, perClient: number, send: (client: number, i: number) => Promise<void>): Promise<number> {
  const started = nowMs();
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    for (let i = 0; i < perClient; i++) await send(c, i);
  }));
  return nowMs() - started;
}

export async function queueOverhead(p: Profile): Promise<Figure[]> {
  const q = p.queue;
  const daemon = await benchDaemon({ args: ["--max-concurrency", String(q.maxConcurrency)] });
  const koa = await startBaseline("koa-hello.ts");
  const idle = { p50: [] as number[], p99: [] as number[], hop50: [] as number[], hop99: [] as number[] };
  const loaded = { runsPerS: [] as number[], p50: [] as number[], p99: [] as number[], koaRps: [] as number[] };
  let key = 0;
  try {
    const sessions: string[] = [];
    for (let i = 0; i < q.concurrentClients; i++) {
      sessions.push((await http<{ session: { id: string } }>("POST", `${daemon.url}/sessions`, { title: `queue ${i}`, provider: "noop" })).session.id);
    }
    const send = async (session: string): Promise<string> =>
      (await http<{ run: { id: string } }>("POST", `${daemon.url}/sessions/${session}/messages`, { text: "go", idempotency_key: `q-${process.pid}-${key++}` })).run.id;

    for (let rep = 0; rep < p.reps; rep++) {
      // Idle queue: one run at a time, each waited for, so nothing queues behind another run.
      await http("POST", `${daemon.url}/bench/queue-reset`);
      for (let i = 0; i < q.sequentialRuns; i++) {
        const runId = await send(sessions[0]);
        await http("GET", `${daemon.url}/runs/${runId}/wait?timeout_s=30`);
      }
      let s = await http<QueueStats>("GET", `${daemon.url}/bench/queue-stats`);
      const a = summarize(s.commitToStart);
      const h = summarize(s.commitToMicrotask);
      idle.p50.push(a.p50);
      idle.p99.push(a.p99);
      idle.hop50.push(h.p50);
      idle.hop99.push(h.p99);

      // Saturated queue: concurrent clients over as many sessions; runs/s measured in the daemon
      // from the first run committed queued to the last run completed.
      await http("POST", `${daemon.url}/bench/queue-reset`);
      await clientLoops(q.concurrentClients, q.runsPerClient, async (c) => void (await send(sessions[c])));
      const total = q.concurrentClients * q.runsPerClient;
      const deadline = Date.now() + 120_000;
      // run.completed is published once durable, a moment after the run's row says completed.
      while ((s = await http<QueueStats>("GET", `${daemon.url}/bench/queue-stats`)).completed < total) {
        if (Date.now() > deadline) throw new Error(`only ${s.completed} of ${total} runs completed within 120 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
      loaded.runsPerS.push((s.completed * 1000) / (s.lastCompletedAt! - s.firstQueuedAt!));
      const l = summarize(s.commitToStart);
      loaded.p50.push(l.p50);
      loaded.p99.push(l.p99);

      // Baseline for runs/s: the same client loops against a bare Koa server.
      const ms = await clientLoops(q.concurrentClients, q.runsPerClient, async () => void (await http("POST", `${koa.url}/sessions/x/messages`, { text: "go" })));
      loaded.koaRps.push((total * 1000) / ms);
    }
    const group = "Queue overhead";
    const hop = { label: "commit -> a queued microtask in the same daemon", samples: idle.hop50 };
    return [
      {
        id: "queue.p50", group, title: "enqueue -> provider start, p50 (idle queue)", unit: "ms", samples: idle.p50, baseline: hop,
        target: { text: "p50 < 1 ms", met: median(idle.p50) < 1 },
        note: `${q.sequentialRuns} runs one at a time; from run.queued published (durable) to the no-op provider's run() entered, both stamped in the daemon`,
      },
      { id: "queue.p99", group, title: "enqueue -> provider start, p99 (idle queue)", unit: "ms", samples: idle.p99, baseline: { label: hop.label, samples: idle.hop99 } },
      {
        id: "queue.runs_per_s", group, title: `runs per second at --max-concurrency ${q.maxConcurrency}`, unit: "runs/s", samples: loaded.runsPerS,
        baseline: { label: "same client loops against bare Koa (req/s)", samples: loaded.koaRps },
        note: `${q.concurrentClients} clients x ${q.runsPerClient} POST /sessions/:id/messages over ${q.concurrentClients} sessions; first run queued to last run completed`,
      },
      { id: "queue.loaded_p50", group, title: "enqueue -> provider start, p50 (saturated queue)", unit: "ms", samples: loaded.p50, note: "includes waiting for a free worker" },
    ];
  } finally {
    await koa.stop();
    await stopDaemon(daemon);
  }
}
