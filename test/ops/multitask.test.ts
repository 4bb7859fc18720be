// Multitask policy on a busy session (enqueue | reject | interrupt), per request and per session,
// against a real daemon with a slow provider whose runs last until canceled.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { agentctl, ok } from "../cli/cli-helpers.ts";
import { api, cleanup, startDaemon, type DaemonHandle } from "../support/daemon.ts";
import { SLOW_PLUGIN, finished, key, running, type Client } from "../orchestration/helpers.ts";

describe("multitask policy on a busy session", () => {
  let d: DaemonHandle;
  let client: Client;
  before(async () => {
    d = await startDaemon({ args: ["--plugin", SLOW_PLUGIN] });
    client = api(d.url);
  });
  after(async () => {
    await d.stop();
    cleanup(d.dataDir);
  });

  const busySession = async (body: Record<string, unknown> = {}) => {
    const s = await client.post("/sessions", { provider: "slow", ...body });
    assert.equal(s.status, 201, JSON.stringify(s.body));
    const m = await client.post(`/sessions/${s.body.session.id}/messages`, { text: "sleep 600000", idempotency_key: key() });
    await running(client, m.body.run.id);
    return { session: s.body.session, busyRunId: m.body.run.id as string };
  };
  const send = (sessionId: string, body: Record<string, unknown>) => client.post(`/sessions/${sessionId}/messages`, { idempotency_key: key(), ...body });

  it("enqueue (the default) queues behind the running run", async () => {
    const { session, busyRunId } = await busySession();
    assert.equal(session.multitask, "enqueue");
    const m = await send(session.id, { text: "sleep 1" });
    assert.equal(m.status, 201);
    assert.equal((await client.get(`/runs/${m.body.run.id}`)).body.run.status, "queued");
    await client.post(`/runs/${busyRunId}/cancel`, {});
    assert.equal((await finished(client, m.body.run.id)).status, "completed");
  });

  it("reject answers 409 naming the running run, per request and per session", async () => {
    const { session, busyRunId } = await busySession();
    const r = await send(session.id, { text: "sleep 1", multitask: "reject" });
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, "conflict");
    assert.equal(r.body.error.details.running_run_id, busyRunId);
    assert.match(r.body.error.message, new RegExp(`busy with run ${busyRunId}`));
    const viaRuns = await client.post("/runs", { session_id: session.id, prompt: "sleep 1", multitask: "reject" });
    assert.equal(viaRuns.status, 409);
    await client.post(`/runs/${busyRunId}/cancel`, {});

    const rejecting = await busySession({ multitask: "reject" });
    assert.equal(rejecting.session.multitask, "reject");
    assert.equal((await client.get(`/sessions/${rejecting.session.id}`)).body.session.multitask, "reject");
    assert.equal((await send(rejecting.session.id, { text: "sleep 1" })).status, 409);
    // a request may override the session's policy
    const queued = await send(rejecting.session.id, { text: "sleep 1", multitask: "enqueue" });
    assert.equal(queued.status, 201);
    await client.post(`/runs/${rejecting.busyRunId}/cancel`, {});
    assert.equal((await finished(client, queued.body.run.id)).status, "completed");
    // an idle session accepts a message under "reject"
    assert.equal((await send(rejecting.session.id, { text: "sleep 1" })).status, 201);
  });

  it("reject lets exactly one of many racing messages in", async () => {
    const s = await client.post("/sessions", { provider: "slow", multitask: "reject" });
    const answers = await Promise.all(Array.from({ length: 8 }, () => send(s.body.session.id, { text: "sleep 200" })));
    assert.deepEqual(answers.map((a) => a.status).sort(), [201, 409, 409, 409, 409, 409, 409, 409]);
    const winner = answers.find((a) => a.status === 201)!;
    for (const a of answers.filter((x) => x.status === 409)) assert.equal(a.body.error.details.running_run_id, winner.body.run.id);
    assert.equal((await finished(client, winner.body.run.id)).status, "completed");
  });

  it("interrupt cancels the running run, then runs the new message", async () => {
    const { session, busyRunId } = await busySession();
    const m = await send(session.id, { text: "sleep 1", multitask: "interrupt" });
    assert.equal(m.status, 201, JSON.stringify(m.body));
    const old = (await client.get(`/runs/${busyRunId}`)).body.run;
    assert.equal(old.status, "canceled");
    assert.match(old.error, /interrupted by a new message/);
    assert.equal((await finished(client, m.body.run.id)).status, "completed");

    const interrupting = await busySession({ multitask: "interrupt" });
    const viaRuns = await client.post("/runs", { session_id: interrupting.session.id, prompt: "sleep 1" });
    assert.equal(viaRuns.status, 201);
    assert.equal((await client.get(`/runs/${interrupting.busyRunId}`)).body.run.status, "canceled");
    assert.equal((await finished(client, viaRuns.body.run.id)).status, "completed");
  });

  it("an unknown policy is a 400 naming the field", async () => {
    const s = await client.post("/sessions", { provider: "slow", multitask: "drop" });
    assert.equal(s.status, 400);
    assert.match(s.body.error.message, /multitask/);
    const ok = await client.post("/sessions", { provider: "slow" });
    const m = await send(ok.body.session.id, { text: "x", multitask: "later" });
    assert.equal(m.status, 400);
    assert.match(m.body.error.message, /multitask/);
  });

  it("agentctl session create --multitask and message send --multitask", async () => {
    const sessionId = await ok(d.url, ["--field", "session.id", "session", "create", "--provider", "slow", "--multitask", "reject"]);
    assert.equal(await ok(d.url, ["--field", "session.multitask", "session", "get", "--session-id", sessionId]), "reject");
    const busy = await ok(d.url, ["--field", "run.id", "message", "send", "--session-id", sessionId, "--text", "sleep 600000"]);
    await running(client, busy);
    const refused = await agentctl(["message", "send", "--session-id", sessionId, "--text", "sleep 1"], { env: { AGENTCTL_URL: d.url } });
    assert.equal(refused.code, 4);
    assert.match(refused.stderr, new RegExp(`conflict \\(HTTP 409\\).*busy with run ${busy}`));
    const next = await ok(d.url, ["--field", "run.id", "message", "send", "--session-id", sessionId, "--text", "sleep 1", "--multitask", "interrupt"]);
    assert.equal((await client.get(`/runs/${busy}`)).body.run.status, "canceled");
    assert.equal((await finished(client, next)).status, "completed");
    assert.equal((await agentctl(["message", "send", "--session-id", sessionId, "--text", "x", "--multitask", "later"], { env: { AGENTCTL_URL: d.url } })).code, 2);
  });
});
