// Ordering and exactly-once: several producers write at full speed while 50+ SDK subscribers per
// transport follow the session, some joining mid-burst (replay -> live switch-over under load).
import { after, before, describe, test } from "node:test";
import type { DaemonHandle } from "../support/daemon.ts";
import { allSeqs, assertExactly, burst, newSession, record, streamDaemon, type Recorder } from "./support.ts";

const SUBSCRIBERS_PER_TRANSPORT = 55;
const PRODUCERS = 4;
const EVENTS_PER_PRODUCER = 400;

describe("fan-out", () => {
  let d: DaemonHandle;
  before(async () => {
    d = await streamDaemon();
  });
  after(async () => {
    await d?.stop();
  });

  test(`${SUBSCRIBERS_PER_TRANSPORT} subscribers per transport, ${PRODUCERS} concurrent producers: every event once, in order`, async () => {
    const sid = await newSession(d.url);
    const subs: Array<{ name: string; r: Recorder }> = [];
    const join = (n: number): void => {
      for (let i = 0; i < n; i++) {
        for (const transport of ["sse", "ws"] as const) {
          subs.push({ name: `${transport}#${subs.length}`, r: record(d.url, transport, { sessionId: sid, cursor: 0 }) });
        }
      }
    };
    // Two thirds subscribe before the producers start, one third while they are writing.
    join(Math.ceil((SUBSCRIBERS_PER_TRANSPORT * 2) / 3));
    await Promise.all(subs.map((s) => s.r.opened()));
    const producing = Promise.all(Array.from({ length: PRODUCERS }, (_, p) => burst(d.url, sid, EVENTS_PER_PRODUCER, { producer: `p${p}`, per_tx: 1 + (p % 3) })));
    join(SUBSCRIBERS_PER_TRANSPORT - Math.ceil((SUBSCRIBERS_PER_TRANSPORT * 2) / 3));
    await producing;
    const expected = await allSeqs(d.url, sid);
    const last = expected[expected.length - 1];
    await Promise.all(subs.map((s) => s.r.waitForSeq(last, 120_000)));
    console.log(`checked ${subs.length} subscribers x ${expected.length} events`);
    for (const s of subs) {
      assertExactly(s.r.seqs, expected, s.name);
      s.r.sub.close();
    }
  });
});
