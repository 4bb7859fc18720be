// The process-tree stopper against real processes: a command that moved to its own session (as
// codex's commands do) and a background grandchild must not survive the run's cancel.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { listProcesses, RunProcesses, stopProcessTree } from "../../plugins/provider-codex/src/process-tree.ts";
import { until } from "../support/daemon.ts";
import { processesMatching } from "./codex-harness.ts";

describe("stopping a run's process tree", () => {
  it("reaches processes in other sessions and groups, and orphans of the root", async () => {
    const marker = `sleep 40${Math.floor(100 + Math.random() * 800)}`;
    // The root ignores SIGINT and SIGTERM (like a stuck wrapper); its child starts a new session
    // with a background grandchild, like codex running `(sleep &); sleep`.
    const script = `trap '' INT TERM; setsid bash -c '(${marker}1 &); ${marker}0' & wait`;
    const root = spawn("bash", ["-c", script], { detached: true, stdio: "ignore" });
    const exited = new Promise((r) => root.once("exit", r));
    const exact = (cmd: string) => processesMatching(cmd).find((p) => p.cmdline === cmd);
    await until(() => exact(`${marker}0`) && exact(`${marker}1`), 15_000, "the sleeps to start");

    const procs = new RunProcesses(root.pid!);
    procs.snapshot();
    try {
      const sleeperPid = exact(`${marker}0`)!.pid;
      const sleeper = listProcesses().find((p) => p.pid === sleeperPid)!;
      assert.notEqual(sleeper.sid, root.pid, "the command really runs in another session");

      const result = await stopProcessTree(procs, exited, { int: 200, term: 200 });
      assert.deepEqual(result.signals, ["SIGINT", "SIGTERM", "SIGKILL"], "the root ignored INT and TERM");
      assert.deepEqual(result.survivors, []);
      assert.ok(result.swept.length >= 1, "the sweep killed what the group signals missed");
      assert.deepEqual(processesMatching(marker), []);
    } finally {
      for (const p of processesMatching(marker)) process.kill(p.pid, "SIGKILL"); // never leave sleeps behind on failure
    }
  });

  it("stops after SIGINT when the root honours it", async () => {
    const root = spawn("sleep", ["4999"], { detached: true, stdio: "ignore" });
    const exited = new Promise((r) => root.once("exit", r));
    const result = await stopProcessTree(new RunProcesses(root.pid!), exited);
    assert.deepEqual(result.signals, ["SIGINT"]);
    assert.deepEqual(result.survivors, []);
  });
});
