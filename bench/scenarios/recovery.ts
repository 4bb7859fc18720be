// Recovery and storage memory: start-up time with N stored events (snapshot) against an empty data
// dir, journal replay rate (a journal of many small transactions over an empty snapshot) against
// the same daemon's live write rate, and RSS per 100k stored events against their size on disk.
import { statSync } from "node:fs";
import type { Figure } from "../lib/figures.ts";
import { nowMs } from "../lib/clock.ts";
import { benchDaemon, http, rssMiB, type DaemonHandle } from "../lib/processes.ts";
import { median } from "../lib/stats.ts";
import { tempDir, cleanup } from "../../test/support/daemon.ts";
import type { Profile } from "../profiles.ts";

/** Never checkpoint while filling: the fill ends with one checkpoint on stop (or none on kill -9). */
const NO_CHECKPOINT = ["--checkpoint-bytes", String(2 ** 40), "--checkpoint-interval-ms", String(2 ** 30)];

async function fill(dataDir: string, events: number, perTx: number): Promise<{ d: DaemonHandle; writeRate: number }> {
  const d = await benchDaemon({ dataDir, args: NO_CHECKPOINT });
  const session = (await http<{ session: { id: string } }>("POST", `${d.url}/sessions`, { title: "recovery", provider: "noop" })).session.id;
  const r = await http<{ count: number; elapsed_ms: number }>("POST", `${d.url}/bench/produce`, { session_id: session, count: events, per_tx: perTx });
  return { d, writeRate: (r.count * 1000) / r.elapsed_ms };
}

/** Spawn -> first 200 from /health, and the RSS once serving. Killed with -9 so nothing is rewritten. */
async function timedStart(dataDir: string): Promise<{ ms: number; rss: number; status: Record<string, any> }> {
  const t0 = nowMs();
  const d = await benchDaemon({ dataDir, args: NO_CHECKPOINT });
  try {
    await http("GET", `${d.url}/health`);
    const ms = nowMs() - t0;
    const status = await http<Record<string, any>>("GET", `${d.url}/daemon/status`);
    return { ms, rss: rssMiB(d.proc.pid!), status };
  } finally {
    await d.kill9();
  }
}

export async function recovery(p: Profile): Promise<Figure[]> {
  const { storedEvents, perTx, journalEvents, journalPerTx } = p.recovery;
  const dirs = { empty: tempDir("agentd-bench-empty-"), big: tempDir("agentd-bench-big-"), journal: tempDir("agentd-bench-journal-") };
  try {
    await (await benchDaemon({ dataDir: dirs.empty })).stop();
    const t0 = Date.now();
    const big = await fill(dirs.big, storedEvents, perTx);
    await big.d.stop(); // checkpoint: everything in the snapshot, journal empty
    const fillS = (Date.now() - t0) / 1000;
    const snapshotMiB = statSync(big.d.db).size / 2 ** 20;
    const journal = await fill(dirs.journal, journalEvents, journalPerTx);
    await journal.d.kill9(); // no checkpoint: every transaction stays in the journal

    const empty: number[] = [], full: number[] = [], emptyRss: number[] = [], fullRss: number[] = [], replay: number[] = [], entries: number[] = [];
    for (let rep = 0; rep < p.reps; rep++) {
      const e = await timedStart(dirs.empty);
      const b = await timedStart(dirs.big);
      if (b.status.last_seq < storedEvents) throw new Error(`the filled daemon came back with last_seq ${b.status.last_seq}, expected >= ${storedEvents}`);
      const j = await timedStart(dirs.journal);
      const replayed = j.status.storage?.replayed_at_start as { entries: number; ms: number } | undefined;
      if (!replayed || replayed.entries < journalEvents / journalPerTx) throw new Error(`journal replay reported ${JSON.stringify(replayed)}; expected >= ${journalEvents / journalPerTx} entries`);
      empty.push(e.ms);
      full.push(b.ms);
      emptyRss.push(e.rss);
      fullRss.push(b.rss);
      replay.push((journalEvents * 1000) / replayed.ms);
      entries.push(replayed.entries);
    }
    const perHundredK = storedEvents / 100_000;
    const rssPer100k = full.map((_, i) => (fullRss[i] - emptyRss[i]) / perHundredK);
    const n = storedEvents.toLocaleString("en-US");
    return [
      {
        id: "recovery.startup", group: "Recovery", title: `start-up to serving with ${n} stored events`, unit: "ms", samples: full,
        baseline: { label: "same daemon, empty data dir", samples: empty },
        target: { text: "serving within 3 s", met: median(full) < 3000 },
        note: `process spawn to the first 200 from GET /health (includes Node + tsx start-up); events in the snapshot (${snapshotMiB.toFixed(0)} MiB), empty journal; building the data dir took ${fillS.toFixed(0)} s`,
      },
      {
        id: "recovery.replay_rate", group: "Recovery", title: "journal replay rate", unit: "events/s", samples: replay,
        baseline: { label: "the same events written live (durable) by the same daemon", samples: [journal.writeRate] },
        note: `${journalEvents.toLocaleString("en-US")} events in ${median(entries).toLocaleString("en-US")} journal entries (${journalPerTx} events per transaction) over an empty snapshot; the storage's own replay timer (snapshot load + replay)`,
      },
      {
        id: "memory.per_100k_events", group: "Memory", title: "daemon RSS per 100k stored events", unit: "MiB", samples: rssPer100k,
        baseline: { label: "snapshot size on disk per 100k events", samples: [snapshotMiB / perHundredK] },
        note: `(RSS serving ${n} events - RSS serving an empty data dir) / ${perHundredK}; empty daemon RSS median ${median(emptyRss).toFixed(0)} MiB`,
      },
    ];
  } finally {
    for (const dir of Object.values(dirs)) cleanup(dir);
  }
}
