// Fan-out: one producer inside the server appends stamped events; 100 SSE + 100 WS subscribers
// (two child processes) measure append -> receipt latency, loss and duplication. Run twice per
// repetition: as fast as the producer can, and at a fixed offered rate. Baseline: a bare Node
// server speaking the same stream protocol with no storage (bench/baselines/fanout-server.ts).
import type { Figure } from "../lib/figures.ts";
import { benchDaemon, http, stopDaemon, startBaseline, startSubscribers } from "../lib/processes.ts";
import { Histogram, median } from "../lib/stats.ts";
import type { Profile } from "../profiles.ts";

interface Round {
  /** Events per second each subscriber received (count / (last receipt - first append)). */
  perSubscriberRate: number;
  deliveriesPerS: number;
  p50: number;
  p99: number;
  lost: number;
  duplicated: number;
}

async function round(url: string, sessionId: string | undefined, p: Profile, count: number, rate: number): Promise<Round> {
  const cursor = sessionId ? (await http<{ last_seq: number }>("GET", `${url}/daemon/status`)).last_seq : undefined;
  const base = { url, sessionId, cursor, expected: count };
  const groups = [startSubscribers({ ...base, sse: p.fanout.sse, ws: 0 }), startSubscribers({ ...base, sse: 0, ws: p.fanout.ws })];
  try {
    await Promise.all(groups.map((g) => g.open()));
    const produced = await http<{ count: number; started_at: number }>("POST", `${url}/bench/produce`, { session_id: sessionId ?? "-", count, rate });
    const stats = await Promise.all(groups.map((g) => g.collect(120_000)));
    const errors = stats.flatMap((s) => s.errors);
    if (errors.length) throw new Error(`subscribers reported errors: ${errors.join("; ")}`);
    const hist = new Histogram();
    for (const s of stats) hist.merge(Histogram.fromSparse(s.latency, s.latencyMax));
    const last = Math.max(...stats.map((s) => s.lastReceipt ?? Number.NaN));
    const streams = stats.reduce((n, s) => n + s.streams, 0);
    const perSubscriberRate = (produced.count * 1000) / (last - produced.started_at);
    return {
      perSubscriberRate,
      deliveriesPerS: perSubscriberRate * streams,
      p50: hist.percentile(50),
      p99: hist.percentile(99),
      lost: stats.reduce((n, s) => n + s.lost, 0),
      duplicated: stats.reduce((n, s) => n + s.duplicated, 0),
    };
  } finally {
    for (const g of groups) g.kill();
  }
}

export async function fanout(p: Profile): Promise<Figure[]> {
  const { sse, ws, burstEvents, rate, rateSeconds } = p.fanout;
  // Slow-consumer limits raised: the suite's subscribers do not resume after an overflow close (the
  // SDK does), and the bare baseline has no such limit either. The figures are for full delivery.
  const daemon = await benchDaemon({ args: ["--sse-max-buffer-bytes", String(2 ** 30), "--ws-max-buffer-bytes", String(2 ** 30)] });
  const bare = await startBaseline("fanout-server.ts");
  const agentd = { burst: [] as Round[], fixed: [] as Round[] };
  const base = { burst: [] as Round[], fixed: [] as Round[] };
  try {
    const sessionId = (await http<{ session: { id: string } }>("POST", `${daemon.url}/sessions`, { title: "fan-out", provider: "noop" })).session.id;
    for (let rep = 0; rep < p.reps; rep++) {
      base.burst.push(await round(bare.url, undefined, p, burstEvents, 0));
      agentd.burst.push(await round(daemon.url, sessionId, p, burstEvents, 0));
      base.fixed.push(await round(bare.url, undefined, p, rate * rateSeconds, rate));
      agentd.fixed.push(await round(daemon.url, sessionId, p, rate * rateSeconds, rate));
    }
  } finally {
    await bare.stop();
    await stopDaemon(daemon);
  }
  const group = `Fan-out (${sse} SSE + ${ws} WS subscribers)`;
  const pick = (rs: Round[], k: keyof Round): number[] => rs.map((r) => r[k]);
  const lossless = [...agentd.burst, ...agentd.fixed].every((r) => r.lost === 0 && r.duplicated === 0);
  const label = "bare Node fan-out server, no storage";
  return [
    {
      id: "fanout.burst_rate", group, title: "delivered events/s per subscriber, producer as fast as it can", unit: "events/s",
      samples: pick(agentd.burst, "perSubscriberRate"), baseline: { label, samples: pick(base.burst, "perSubscriberRate") },
      note: `${burstEvents} events, one per transaction; rate = events / (last receipt on any subscriber - first append); multiply by ${sse + ws} for deliveries/s (median ${Math.round(median(pick(agentd.burst, "deliveriesPerS"))).toLocaleString("en-US")})`,
    },
    { id: "fanout.burst_p50", group, title: "append -> receipt p50, as fast as it can", unit: "ms", samples: pick(agentd.burst, "p50"), baseline: { label, samples: pick(base.burst, "p50") } },
    { id: "fanout.burst_p99", group, title: "append -> receipt p99, as fast as it can", unit: "ms", samples: pick(agentd.burst, "p99"), baseline: { label, samples: pick(base.burst, "p99") } },
    {
      id: "fanout.fixed_p50", group, title: `append -> receipt p50 at ${rate.toLocaleString("en-US")} events/s offered`, unit: "ms",
      samples: pick(agentd.fixed, "p50"), baseline: { label, samples: pick(base.fixed, "p50") },
      note: `${rateSeconds} s at a fixed offered rate, one event per transaction; latency from the append stamp (inside the write transaction, before fsync) to the subscriber parsing the frame, on one shared monotonic clock`,
    },
    {
      id: "fanout.fixed_p99", group, title: `append -> receipt p99 at ${rate.toLocaleString("en-US")} events/s offered`, unit: "ms",
      samples: pick(agentd.fixed, "p99"), baseline: { label, samples: pick(base.fixed, "p99") },
      target: { text: "p99 < 10 ms at 5,000 events/s", met: rate >= 5000 && median(pick(agentd.fixed, "p99")) < 10 },
    },
    {
      id: "fanout.fixed_rate", group, title: `delivered events/s per subscriber at ${rate.toLocaleString("en-US")} offered`, unit: "events/s",
      samples: pick(agentd.fixed, "perSubscriberRate"), baseline: { label, samples: pick(base.fixed, "perSubscriberRate") },
    },
    {
      id: "fanout.lost_duplicated", group, title: "lost + duplicated events (all rounds, all subscribers)", unit: "events",
      samples: [...agentd.burst, ...agentd.fixed].map((r) => r.lost + r.duplicated),
      target: { text: "0", met: lossless },
    },
  ];
}
