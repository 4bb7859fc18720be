// Child completion reaches the parent exactly once across kill -9: the parent's child.run.* event
// is written in the transaction that ends the child run, so a crash keeps both or neither.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { api, cleanup, until } from "../support/daemon.ts";
import { HOLD, TOKEN, events, finished, liveParent, running, spawn, startA2aDaemon } from "./helpers.ts";

const announcementsOf = async (client: ReturnType<typeof api>, sessionId: string, childRunId: string) =>
  (await events(client, sessionId)).filter((e) => e.event_type.startsWith("child.run.") && e.data.child_run_id === childRunId);

describe("agent to agent: announce-back exactly once across kill -9", () => {
  it("a child that finished right before the crash is announced once, before and after restarts", async () => {
    let d = await startA2aDaemon();
    const dataDir = d.dataDir;
    try {
      let client = api(d.url, TOKEN);
      const parent = await liveParent(client);
      const child = await spawn(client, parent.runId, { task: "done quickly", provider: "script" });
      await finished(client, child.runId);
      await d.kill9(); // right after the child's end was acknowledged
      for (let restart = 0; restart < 2; restart++) {
        d = await startA2aDaemon([], dataDir);
        client = api(d.url, TOKEN);
        const seen = await announcementsOf(client, parent.sessionId, child.runId);
        assert.equal(seen.length, 1, `restart ${restart + 1}: exactly one announcement`);
        assert.deepEqual([seen[0].event_type, seen[0].data.output], ["child.run.completed", "script got: done quickly"]);
        await d.stop();
      }
    } finally {
      await d.kill9();
      cleanup(dataDir);
    }
  });

  it("a child running at the crash is failed on restart and announced once as child.run.failed", async () => {
    let d = await startA2aDaemon();
    const dataDir = d.dataDir;
    try {
      let client = api(d.url, TOKEN);
      const parent = await liveParent(client);
      const child = await spawn(client, parent.runId, HOLD);
      await running(client, child.runId);
      assert.equal((await announcementsOf(client, parent.sessionId, child.runId)).length, 0);
      await d.kill9();
      d = await startA2aDaemon([], dataDir);
      client = api(d.url, TOKEN);
      const run = (await client.get(`/runs/${child.runId}`)).body.run;
      assert.equal(run.status, "failed");
      assert.match(run.error, /daemon restarted/);
      const seen = await until(async () => {
        const s = await announcementsOf(client, parent.sessionId, child.runId);
        return s.length ? s : null;
      }, 10_000, "announcement");
      assert.equal(seen.length, 1);
      assert.equal(seen[0].event_type, "child.run.failed");
      assert.match(seen[0].data.error, /daemon restarted/);
      await d.stop();
      d = await startA2aDaemon([], dataDir);
      assert.equal((await announcementsOf(api(d.url, TOKEN), parent.sessionId, child.runId)).length, 1, "still one after another restart");
    } finally {
      await d.kill9();
      cleanup(dataDir);
    }
  });
});
