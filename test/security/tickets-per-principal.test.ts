// Stream tickets are capped per principal: a client minting tickets in a loop exhausts its own cap
// (429 naming the real wait: its oldest ticket's remaining TTL), never another principal's.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { api, cleanup, type DaemonHandle } from "../support/daemon.ts";
import { openRawSse, streamDaemon, TOKEN_A, TOKEN_B } from "../stream/support.ts";

const PER_PRINCIPAL = 1000;

describe("stream tickets: caps per principal", () => {
  let d: DaemonHandle;
  before(async () => {
    d = await streamDaemon();
  });
  after(async () => {
    await d?.stop();
    if (d) cleanup(d.dataDir);
  });

  test("A exhausting its ticket cap does not lock out B, and the 429 states the real TTL", async () => {
    const a = api(d.url, TOKEN_A);
    const tickets: string[] = [];
    // Mint the whole cap with the longest TTL, ten at a time.
    for (let i = 0; i < PER_PRINCIPAL; i += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, () => a.post("/stream/tickets", { ttl_s: 300 })));
      for (const res of batch) {
        assert.equal(res.status, 201, JSON.stringify(res.body));
        tickets.push(res.body.ticket as string);
      }
    }
    const over = await a.post("/stream/tickets", { ttl_s: 60 });
    assert.equal(over.status, 429, JSON.stringify(over.body));
    assert.equal(over.body.error.code, "rate_limited");
    assert.equal(over.body.error.details.limit, "max_tickets_per_principal");
    assert.equal(over.body.error.details.max, PER_PRINCIPAL);
    // The wait is the oldest outstanding ticket's TTL (300 s here), not the TTL this request asked for.
    const wait = over.body.error.details.retry_after_s as number;
    assert.ok(wait > 250 && wait <= 300, `retry_after_s ${wait}`);
    assert.match(over.body.error.message, new RegExp(`wait ${wait} s until the oldest expires`));

    // B is not affected: it mints and opens a stream at once.
    const b = await api(d.url, TOKEN_B).post("/stream/tickets", {});
    assert.equal(b.status, 201, JSON.stringify(b.body));
    const stream = await openRawSse(`${d.url}/stream?ticket=${b.body.ticket}`);
    assert.equal(stream.status, 200);
    stream.close();

    // A's tickets still work, and using one makes room for one more.
    const used = await openRawSse(`${d.url}/stream?ticket=${tickets[0]}`);
    assert.equal(used.status, 200);
    used.close();
    assert.equal((await a.post("/stream/tickets", {})).status, 201);
    assert.equal((await a.post("/stream/tickets", {})).status, 429);
  });
});
