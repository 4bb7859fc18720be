// Every ```bash block of README.md, docs/runbook.md, docs/plugins.md and the operator skill runs
// against a real daemon (conventions in ./shell-docs.ts). README, runbook and plugins.md start their
// own daemon with the documented command; the skill expects one running, as an agent would, and
// its agent-to-agent blocks run inside real parent and child runs (./in-run.ts).
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AGENTCTL_BIN, ROOT, api, cleanup, startDaemon, tempDir, type DaemonHandle } from "../support/daemon.ts";
import { events, finished, send, session, type Client } from "../orchestration/helpers.ts";
import { OWNER_TOKEN, reported, startPlaybookDaemon } from "./in-run.ts";
import { bashBlocks, freePort, runBlocks, runScript, sandboxCheckout, section, toScript } from "./shell-docs.ts";

const read = (path: string): string => readFileSync(join(ROOT, path), "utf8");

/** Run a document's blocks in a fresh sandbox checkout on a free port. */
async function runDoc(path: string, extraEnv: Record<string, string> = {}, repeat: string[] = []) {
  const blocks = [...bashBlocks(read(path)), ...repeat];
  assert.ok(blocks.length >= 1, `${path} has bash blocks`);
  const port = await freePort();
  const dir = sandboxCheckout();
  try {
    const env = { AGENTD_PORT: String(port), AGENTCTL_URL: `http://127.0.0.1:${port}`, AGENTCTL_DATA_DIR: join(dir, ".agentctl-data"), BACKUP_DIR: join(dir, "backups"), ...extraEnv };
    const r = await runScript(toScript(blocks, port), env, dir);
    assert.equal(r.code, 0, `${path} failed (exit ${r.code}):\n${r.stderr.slice(-6000)}`);
    return r;
  } finally {
    cleanup(dir);
  }
}

describe("shell commands in the docs", () => {
  it("README.md: install, quick start, first session over HTTP (that block twice, against the same daemon)", async () => {
    // A newcomer runs the HTTP block again: it must work the second time too (no fixed idempotency key).
    const again = bashBlocks(section(read("README.md"), "## A first session over HTTP"));
    assert.equal(again.length, 1, "one HTTP block");
    const r = await runDoc("README.md", {}, again);
    assert.match(r.stdout, /^completed$/m, "run wait printed the status");
    assert.match(r.stdout, /^hello$/m, "run get printed the output");
    assert.match(r.stdout, /run\.completed/, "events were printed");
    assert.equal(r.stdout.match(/"timed_out":false/g)?.length, 2, "both HTTP waits returned a finished run");
    const sh = [...read("README.md").matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
    assert.ok(sh.length === 1 && sh[0].includes("ollama pull"), "the only block that does not run is the one that needs ollama");
  });

  it("docs/runbook.md: start, preflight, diagnose, stale check, restart, backup and restore", async () => {
    const r = await runDoc("docs/runbook.md");
    assert.match(r.stdout, /^agentd ready: ok, \d+ workers alive$/m, "the preflight passed");
    assert.match(r.stdout, /^run run_\S+ completed$/m);
    assert.match(r.stdout, /^backup ok$/m, "storage check verified the backup");
    assert.match(r.stdout, /^restored ses_\S+$/m, "the session survived backup and restore");
  });

  it("docs/plugins.md: load the example provider, link its CLI command, run it", async () => {
    const r = await runDoc("docs/plugins.md");
    assert.match(r.stdout, /^agentd-provider-shout 0\.1\.0 \(link\)$/m, "agentctl plugins lists the example");
    assert.match(r.stdout, /^> HELLO$/m, "shout say printed the reply with the configured prefix");
  });

  describe("skills/agent-orchestrator-cli/SKILL.md", () => {
    let d: DaemonHandle;
    let work: string;
    before(async () => {
      d = await startDaemon();
      work = tempDir("agentd-skill-");
      mkdirSync(join(work, "bin"));
      symlinkSync(AGENTCTL_BIN, join(work, "bin", "agentctl"));
    });
    after(async () => {
      await d.stop();
      cleanup(d.dataDir);
      cleanup(work);
    });

    it("runs as written against a running daemon", async () => {
      const skill = read("skills/agent-orchestrator-cli/SKILL.md");
      assert.doesNotMatch(skill, /^```sh$/m, "every command block of the skill runs");
      const blocks = bashBlocks(skill);
      assert.ok(blocks.length >= 3, "the skill has bash blocks");
      assert.doesNotMatch(blocks.join("\n"), /agentctl .*\btool /, "in-run blocks are not run in the operator's shell");
      const port = Number(new URL(d.url).port);
      const r = await runScript(toScript(blocks, port), { AGENTCTL_URL: d.url, PATH: `${join(work, "bin")}:${process.env.PATH}` }, work);
      assert.equal(r.code, 0, `SKILL.md commands failed:\n${r.stderr.slice(-6000)}`);
      assert.match(r.stdout, /^ok$/m, "preflight prints daemon_health ok");
      assert.match(r.stdout, /^preflight ok$/m, "the one-line preflight passed");
      assert.match(r.stdout, /^run run_\S+ ended completed$/m);
      assert.match(r.stdout, /^ready$/m);
      const follows = blocks.join("\n").split("\n").filter((l) => /--follow\b/.test(l)).length;
      if (follows) assert.ok(r.stdout.split("\n").filter((l) => l === "run.completed").length >= 2, "tail and tail --follow both printed events");
    });

    it("agent to agent: the parent, child and answer blocks run inside real runs with their own tokens", async () => {
      const blocks = runBlocks(read("skills/agent-orchestrator-cli/SKILL.md"));
      assert.deepEqual(blocks.map((b) => b.role), ["parent", "child", "parent"], "spawn in a parent run, escalate in the child's, answer in a later parent run");
      const [spawnBlock, escalateBlock, answerBlock] = blocks;
      // The child's run that escalates is the one the doc's follow-up starts.
      const FOLLOW_UP = "also cover the error paths";
      assert.ok(spawnBlock.code.includes(`--text "${FOLLOW_UP}"`), "the parent block sends the follow-up");
      const { daemon, dir } = await startPlaybookDaemon([
        // Test-only lines after each block report the doc's variables (runs share no shell).
        { prompt: "Hand the parser tests to a child agent", code: spawnBlock.code, extra: 'echo "vars: $CHILD_SESSION_ID $CHILD_RUN_ID $FOLLOW_UP_RUN_ID"' },
        { prompt: FOLLOW_UP, code: escalateBlock.code, extra: 'echo "vars: $ESC_ID $QUESTION_ESC_ID"' },
        {
          prompt: "Answer your children's escalations",
          code: answerBlock.code,
          // ... and check the doc's promises: the same resolution again replays it, a different one is refused.
          extra: [
            'echo "vars: $ESC_ID $QUESTION_ESC_ID"',
            'echo "again: $(agentctl --format json tool escalation-resolve --escalation-id "$ESC_ID" --decision approve --text "go ahead")"',
            'if out=$(agentctl tool escalation-resolve --escalation-id "$ESC_ID" --decision deny --text no 2>&1); then echo "different: accepted $out"; else echo "different: exit $? $out"; fi',
          ].join("\n"),
        },
      ]);
      try {
        await agentToAgent(api(daemon.url, OWNER_TOKEN), FOLLOW_UP);
      } finally {
        await daemon.stop();
        cleanup(daemon.dataDir);
        cleanup(dir);
      }
    });
  });
});

/** Drive the in-run blocks as their prompts (see the test above) and check what the doc promises. */
async function agentToAgent(client: Client, followUp: string): Promise<void> {
  const completed = async (runId: string): Promise<Record<string, any>> => {
    const run = await finished(client, runId, 300);
    assert.equal(run.status, "completed", `run ${runId} (${run.prompt}) ended ${run.status}: ${run.error}`);
    return run;
  };
  const parentSession = await session(client, "bash-playbook");
  const spawnRun = await completed(await send(client, parentSession, "Hand the parser tests to a child agent"));
  const [childSession, childRun, followUpRun] = reported(spawnRun.output, "vars");

  // Spawned from the parent run, once: the second spawn with the same key returned the same one.
  const child = (await client.get(`/sessions/${childSession}`)).body.session;
  assert.deepEqual([child.parent_session_id, child.parent_run_id, child.depth, child.provider], [parentSession, spawnRun.id, 1, "bash-playbook"]);
  assert.equal((await client.get(`/sessions/${parentSession}/children`)).body.children.length, 1, "one child despite two spawn calls");
  const spawned = await events(client, parentSession, "child.spawned");
  assert.deepEqual(spawned.map((e) => e.data.child_run_id), [childRun]);
  // session-wait printed the child's output; the follow-up queued the child's next run.
  const firstChildRun = await completed(childRun);
  assert.equal(firstChildRun.output, "done: write the tests for parser.ts");
  assert.ok(spawnRun.output.split("\n").includes(firstChildRun.output), `session-wait printed the child's output:\n${spawnRun.output}`);
  const escalateRun = await completed(followUpRun);
  assert.deepEqual([escalateRun.session_id, escalateRun.prompt], [childSession, followUp]);

  // The child's escalations reached the parent.
  const [escId, questionId] = reported(escalateRun.output, "vars");
  const requested = await events(client, parentSession, "escalation.requested");
  assert.deepEqual(requested.map((e) => [e.data.escalation_id, e.data.kind, e.data.child_run_id]), [[escId, "approval_request", followUpRun], [questionId, "question", followUpRun]]);

  // A later parent run answers them with its own token.
  const answerRun = await completed(await send(client, parentSession, "Answer your children's escalations"));
  assert.deepEqual(reported(answerRun.output, "vars"), [escId, questionId], "the parent found the child's escalations in its list, oldest first");
  const approval = (await client.get(`/escalations/${escId}`)).body.escalation;
  assert.deepEqual([approval.status, approval.decision, approval.decision_text], ["resolved", "approve", "go ahead"]);
  assert.match(approval.decided_by, new RegExp(`${answerRun.id}`), "decided by the parent's answering run");
  const question = (await client.get(`/escalations/${questionId}`)).body.escalation;
  assert.deepEqual([question.status, question.decision, question.decision_text], ["resolved", "answer", "use port 8080"]);
  const again = JSON.parse(answerRun.output.split("\n").find((l: string) => l.startsWith("again: "))!.slice("again: ".length));
  assert.deepEqual([again.escalation.id, again.escalation.status, again.escalation.decided_by], [escId, "resolved", approval.decided_by], "resolving again returned the same result");
  assert.match(answerRun.output, /^different: exit 4 .*conflict/m, "a different decision was refused");
  assert.equal((await events(client, parentSession, "escalation.resolved")).length, 2, "one escalation.resolved each, none for the replay");

  // The child resumed with each decision as its next message, in new runs; the replay queued none.
  const prompts = (await client.get(`/sessions/${childSession}/messages`)).body.messages.filter((m: any) => m.role === "user" && m.run_id);
  const childRuns = prompts.map((m: any) => m.run_id as string);
  assert.equal(childRuns.length, 4, `task, follow-up, two decisions: ${JSON.stringify(prompts.map((m: any) => m.text))}`);
  assert.equal(again.run.id, childRuns[2], "the replay returned the run the approval queued");
  const approved = await completed(childRuns[2]);
  assert.match(approved.prompt, new RegExp(`^Decision on your approval_request \\(escalation ${escId}\\): approved .*go ahead`));
  assert.match((await completed(childRuns[3])).prompt, new RegExp(`^Decision on your question \\(escalation ${questionId}\\): .*use port 8080`));

  // Exactly one child.run.completed in the parent per child run.
  const announced = (await events(client, parentSession)).filter((e) => e.event_type.startsWith("child.run."));
  assert.deepEqual(announced.map((e) => [e.event_type, e.data.child_run_id]).sort(), childRuns.map((id: string) => ["child.run.completed", id]).sort());
}
