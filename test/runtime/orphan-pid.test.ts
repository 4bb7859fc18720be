import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { after, describe, it } from "node:test";
import { api, cleanup, startDaemon, until, type DaemonHandle } from "../support/daemon.ts";

const PLUGINS = ["--plugin", "./test/fixtures/plugins/child-process-provider.ts", "--plugin", "./test/fixtures/plugins/run-pid-editor.ts"];
const MARKER = "0.000808"; // tells this test's run children apart in `ps`

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** An unrelated process, in its own process group, that has nothing to do with any run. */
function unrelated(): ChildProcess {
  return spawn("sleep", ["600"], { detached: true, stdio: "ignore" });
}
const exited = (p: ChildProcess): Promise<void> => (p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => p.once("exit", () => r())));

describe("start-up recovery kills only processes proven to be the run's", () => {
  const others: ChildProcess[] = [];
  let d: DaemonHandle | undefined;
  after(async () => {
    for (const p of others) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
    await d?.stop();
    if (d) cleanup(d.dataDir);
  });

  it("a stored pid reused by an unrelated process survives the restart; the run is failed as recovered", async () => {
    d = await startDaemon({ args: PLUGINS, env: { CHILD_PROVIDER_MARKER: MARKER } });
    const c = api(d.url);
    const runs: Array<{ id: string; childPid: number }> = [];
    for (let i = 0; i < 3; i++) {
      const s = await c.post("/sessions", { provider: "child" });
      const m = await c.post(`/sessions/${s.body.session.id}/messages`, { text: "child 3600000", idempotency_key: `orphan-${i}` });
      assert.equal(m.status, 201, JSON.stringify(m.body));
      const run = await until(async () => {
        const r = (await c.get(`/runs/${m.body.run.id}`)).body.run;
        return r.status === "running" && r.pid ? r : null;
      }, 10_000, "the run's child to be recorded");
      runs.push({ id: run.id, childPid: run.pid });
    }
    // Run 0: its pid now names an unrelated process; the start time recorded is its real child's.
    // Run 1: the same, with no start time recorded (a row from before start times were kept).
    // Run 2: an unrelated process without the run's environment but with the recorded start time
    //        (proof by start time alone): it is killed.
    const reused = unrelated();
    const reusedNoStart = unrelated();
    const provenByStart = unrelated();
    others.push(reused, reusedNoStart, provenByStart);
    const edits: Array<[number, ChildProcess, string | null]> = [[0, reused, "keep"], [1, reusedNoStart, null], [2, provenByStart, "current"]];
    for (const [i, proc, pidStart] of edits) {
      const r = await c.post(`/test/runs/${runs[i].id}/pid`, { pid: proc.pid, pid_start: pidStart });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      if (pidStart === "keep") assert.match(String(r.body.pid_start), /^\d+:\d+$/, "the daemon recorded the child's start time");
    }

    await d.kill9();
    for (const r of runs) assert.ok(alive(r.childPid), "the run children outlive the SIGKILLed daemon");
    const restarted = await startDaemon({ dataDir: d.dataDir, args: PLUGINS, env: { CHILD_PROVIDER_MARKER: MARKER } });
    d = restarted;
    const c2 = api(restarted.url);

    assert.ok(alive(reused.pid!), "the unrelated process with a different start time survives");
    assert.ok(alive(reusedNoStart.pid!), "the unrelated process without a recorded start time survives");
    await exited(provenByStart);
    assert.equal(provenByStart.signalCode, "SIGKILL", "the process whose start time matches the record is killed");
    for (const r of runs) await until(() => !alive(r.childPid), 5_000, `run child ${r.childPid} (AGENTD_RUN_ID in its env) to be killed`);
    for (const r of runs) {
      const run = (await c2.get(`/runs/${r.id}`)).body.run;
      assert.equal(run.status, "failed");
      assert.match(run.error, /the daemon restarted while this run was running/);
    }
    const events = await c2.get(`/sessions/${(await c2.get(`/runs/${runs[0].id}`)).body.run.session_id}/events?cursor=0`);
    const failed = events.body.events.find((e: { event_type: string }) => e.event_type === "run.failed");
    assert.equal(failed.data.recovered, true);
    assert.match(restarted.logs(), /left a process alone: the run's stored pid now belongs to another process/);
  });
});
