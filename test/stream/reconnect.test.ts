// Reconnect torture and daemon restarts: connections are cut at random on the client side, in the
// network (a TCP proxy) and by the server while events flow; every client must still end with
// exactly the full sequence.
import { createServer } from "node:net";
import { after, describe, test } from "node:test";
import { api, cleanup, sleep, tempDir, until, type DaemonHandle } from "../support/daemon.ts";
import { streams as randomStreams, testSeed } from "../support/prng.ts";
import { TOKEN_A, allSeqs, assertExactly, burst, cuttableProxy, newSession, portOf, record, streamDaemon, type Recorder } from "./support.ts";

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe("reconnects", () => {
  const daemons: DaemonHandle[] = [];
  after(async () => {
    for (const d of daemons) await d.stop();
  });

  test("torture: random client, network and server drops while events flow", async (t) => {
    // Which connections are cut, and when, comes from this seed (RECONNECT_SEED=<n> replays the choices).
    const seed = testSeed("RECONNECT_SEED");
    t.diagnostic(`reconnect torture ${seed.describe}`);
    console.log(`# reconnect torture ${seed.describe}`);
    const [chaos, cuts] = randomStreams(seed.seed, 2);
    const d = await streamDaemon();
    daemons.push(d);
    const proxy = await cuttableProxy(portOf(d.url), cuts);
    const sid = await newSession(d.url);
    await burst(d.url, sid, 50);
    const clients: Array<{ name: string; r: Recorder }> = [];
    for (let i = 0; i < 8; i++) {
      for (const transport of ["sse", "ws"] as const) {
        // Half start from the beginning, half from now; all go through the cuttable proxy.
        clients.push({ name: `${transport}#${i}`, r: record(proxy.url, transport, { sessionId: sid, cursor: i % 2 === 0 ? 0 : undefined }) });
      }
    }
    await Promise.all(clients.map((c) => c.r.opened()));
    const firstLive = (await allSeqs(d.url, sid)).length;

    let producing = true;
    const producers = Promise.all(
      [0, 1, 2].map(async (p) => {
        for (let round = 0; round < 15; round++) {
          await burst(d.url, sid, 40, { producer: `p${p}`, per_tx: 1 + (round % 4) });
          await sleep(20);
        }
      }),
    ).finally(() => (producing = false));
    let drops = 0;
    while (producing) {
      await sleep(60 + chaos() * 60);
      const pick = chaos();
      if (pick < 0.35) drops += proxy.cut(0.3);
      else if (pick < 0.7) {
        for (const c of clients) if (chaos() < 0.3) (c.r.sub.reconnect(), drops++);
      } else {
        const res = await api(d.url, TOKEN_A).post("/test/drop-streams", {});
        drops += (res.body.dropped.sse ?? 0) + (res.body.dropped.ws ?? 0);
      }
    }
    await producers;
    const expected = await allSeqs(d.url, sid);
    const last = expected[expected.length - 1];
    await Promise.all(clients.map((c) => c.r.waitForSeq(last, 120_000)));
    for (const [i, c] of clients.entries()) {
      // "From now" clients start at the live position they were told; cursor-0 clients at the top.
      const want = i % 4 < 2 ? expected : expected.slice(expected.indexOf(c.r.seqs[0]));
      if (i % 4 >= 2 && c.r.seqs[0] > expected[firstLive]) throw new Error(`${c.name} started late: ${c.r.seqs[0]}`);
      assertExactly(c.r.seqs, want, c.name);
      c.r.sub.close();
    }
    if (drops < 10) throw new Error(`only ${drops} drops happened; the torture did not torture`);
    await proxy.close();
  });

  test("daemon restart mid-stream (SIGTERM, then SIGKILL): clients resume on the same URL, nothing lost", async () => {
    const dataDir = tempDir();
    const port = await freePort();
    let d = await streamDaemon({ dataDir, port });
    const sid = await newSession(d.url);
    await burst(d.url, sid, 100);
    const clients = (["sse", "ws", "sse", "ws"] as const).map((t, i) => ({
      name: `${t}#${i}`,
      r: record(d.url, t, { sessionId: sid, cursor: i < 2 ? 0 : undefined, maxBackoffMs: 300 }),
    }));
    await Promise.all(clients.map((c) => c.r.opened()));
    const startSeq = (await allSeqs(d.url, sid)).at(-1)!;
    for (const kill of ["stop", "kill9"] as const) {
      const before = clients[0].r.seqs.at(-1) ?? 0;
      const writing = burst(d.url, sid, 2000, { per_tx: 5 }).catch(() => undefined); // cut short by the stop
      // Stop once the burst is flowing to the clients (not after a guessed delay).
      await until(() => (clients[0].r.seqs.at(-1) ?? 0) > before, 30_000, "the burst to reach the streams");
      if (kill === "stop") await d.stop();
      else await d.kill9();
      await writing;
      d = await streamDaemon({ dataDir, port });
      await burst(d.url, sid, 100);
    }
    daemons.push(d);
    const expected = await allSeqs(d.url, sid);
    await Promise.all(clients.map((c) => c.r.waitForSeq(expected.at(-1)!, 120_000)));
    for (const [i, c] of clients.entries()) {
      assertExactly(c.r.seqs, i < 2 ? expected : expected.filter((s) => s > startSeq), c.name);
      c.r.sub.close();
    }
    await d.stop();
    cleanup(dataDir);
  });
});
