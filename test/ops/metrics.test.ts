// GET /metrics (Prometheus text) behind an admin token, against a real daemon: runs by state and
// provider, queue wait and run duration histograms, open streams, storage sync latency.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, cleanup, startDaemon, until, type DaemonHandle } from "../support/daemon.ts";
import { SLOW_PLUGIN, finished, key } from "../orchestration/helpers.ts";

const ADMIN = "metrics-admin-token-0001";
const USER = "metrics-user-token-00002";

/** The value of one sample line, e.g. metric('agentd_runs{state="completed",provider="slow"}'). */
function sample(text: string, series: string): number | null {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
}

describe("GET /metrics", () => {
  let d: DaemonHandle;
  before(async () => {
    d = await startDaemon({ args: ["--plugin", SLOW_PLUGIN, "--admin-token", ADMIN, "--auth-token", USER] });
  });
  after(async () => {
    await d.stop();
    cleanup(d.dataDir);
  });

  it("needs an admin token", async () => {
    assert.equal((await api(d.url).get("/metrics")).status, 401);
    const user = await api(d.url, USER).get("/metrics");
    assert.equal(user.status, 403);
    assert.match(user.body.error.message, /admin token/);
  });

  it("reports runs, queue wait, run duration, open streams and storage sync latency", async () => {
    const user = api(d.url, USER);
    const s = await user.post("/sessions", { provider: "slow" });
    const runs = [];
    for (const text of ["sleep 20", "sleep 20 fail"]) runs.push((await user.post(`/sessions/${s.body.session.id}/messages`, { text, idempotency_key: key() })).body.run.id);
    for (const id of runs) await finished(user, id);
    const stream = new AbortController();
    const res = await fetch(`${d.url}/stream?sessionId=${s.body.session.id}`, { headers: { accept: "text/event-stream", authorization: `Bearer ${USER}` }, signal: stream.signal });
    assert.equal(res.status, 200);
    try {
      const admin = api(d.url, ADMIN);
      const text = await until(async () => {
        const m = await admin.get("/metrics");
        return sample(String(m.body), 'agentd_open_streams{transport="sse"}') === 1 ? m : null;
      }, 10_000, "the open stream to be counted");
      assert.equal(text.status, 200);
      assert.match(text.headers.get("content-type") ?? "", /^text\/plain/);
      const body = String(text.body);
      assert.equal(sample(body, 'agentd_runs{state="completed",provider="slow"}'), 1);
      assert.equal(sample(body, 'agentd_runs{state="failed",provider="slow"}'), 1);
      assert.equal(sample(body, 'agentd_runs_ended_total{state="failed",provider="slow"}'), 1);
      assert.equal(sample(body, 'agentd_run_queue_wait_seconds_count{provider="slow"}'), 2);
      assert.equal(sample(body, 'agentd_run_duration_seconds_count{provider="slow",state="completed"}'), 1);
      assert.ok((sample(body, 'agentd_run_duration_seconds_sum{provider="slow",state="completed"}') ?? 0) >= 0.02, "duration covers the 20 ms sleep");
      assert.equal(sample(body, 'agentd_stream_buffered_bytes{transport="sse"}'), 0);
      assert.ok((sample(body, "agentd_storage_sync_seconds_count") ?? 0) > 0, "storage sync latency is observed");
      assert.ok((sample(body, "agentd_event_log_last_seq") ?? 0) > 0);
      assert.match(body, /^agentd_process_resident_memory_bytes \d+/m);
    } finally {
      stream.abort();
    }
  });
});
