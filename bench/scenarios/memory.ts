// Memory per open stream: RSS before and after opening N idle streams (half SSE, half WS) on the
// daemon, against the bare Node fan-out server holding the same streams.
import type { Figure } from "../lib/figures.ts";
import { benchDaemon, http, rssMiB, startBaseline, startSubscribers, stopDaemon } from "../lib/processes.ts";
import type { Profile } from "../profiles.ts";

async function perThousand(url: string, pid: number, streams: number, sessionId?: string): Promise<number> {
  await new Promise((r) => setTimeout(r, 1000)); // a fresh server is still settling; so is GC after the last round
  const before = rssMiB(pid);
  const subs = startSubscribers({ url, sessionId, sse: Math.ceil(streams / 2), ws: Math.floor(streams / 2), expected: 0 });
  try {
    await subs.open();
    await new Promise((r) => setTimeout(r, 1000)); // let buffers and GC settle
    const after = rssMiB(pid);
    await subs.collect(10_000);
    return ((after - before) * 1000) / streams;
  } finally {
    subs.kill();
  }
}

export async function streamMemory(p: Profile): Promise<Figure[]> {
  const n = p.memory.streams;
  const daemon = await benchDaemon();
  const bare = await startBaseline("fanout-server.ts");
  const agentd: number[] = [];
  const base: number[] = [];
  try {
    const session = (await http<{ session: { id: string } }>("POST", `${daemon.url}/sessions`, { title: "streams", provider: "noop" })).session.id;
    for (let rep = 0; rep < p.reps; rep++) {
      base.push(await perThousand(bare.url, bare.proc.pid!, n, undefined));
      agentd.push(await perThousand(daemon.url, daemon.proc.pid!, n, session));
    }
  } finally {
    await bare.stop();
    await stopDaemon(daemon);
  }
  return [
    {
      id: "memory.per_1000_streams", group: "Memory", title: "daemon RSS per 1,000 open streams", unit: "MiB", samples: agentd,
      baseline: { label: "bare Node fan-out server, same streams", samples: base },
      note: `${n} idle streams (half SSE, half WS) opened on one session; RSS growth scaled to 1,000`,
    },
  ];
}
