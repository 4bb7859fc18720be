// Shared setup for the codex app-server transport tests: the real codex binary (test/codex-bin)
// against the scripted Responses server, through the real daemon over HTTP.
import assert from "node:assert/strict";
import { join } from "node:path";
import { api, cleanup, ROOT, startDaemon, tempDir, until, type DaemonHandle } from "../support/daemon.ts";
import { reply, startScriptedResponsesServer, type Reply, type ScriptedResponsesServer } from "../support/scripted-responses-server.ts";
import { CODEX_TEST_ARGS } from "../codex/codex-harness.ts";

export type Client = ReturnType<typeof api>;
export type Event = { seq: number; event_type: string; run_id: string | null; data: Record<string, any> };

export const APPROVAL_POLICY_PLUGIN = join(ROOT, "examples", "approval-policy", "approval-policy.ts");
export const APP_SERVER_ARGS = [...CODEX_TEST_ARGS, "--codex-transport", "app-server"];

/**
 * A model step that makes codex ask for approval: exec_command outside the sandbox
 * (`sandbox_permissions: "require_escalated"` with a justification; see codex-exec.md).
 */
export function escalatedShell(cmd: string, justification: string, callId = `call_${Math.random().toString(36).slice(2)}`): Reply {
  return reply.functionCall("exec_command", { cmd, sandbox_permissions: "require_escalated", justification, login: false }, callId);
}

export interface AppServerEnv {
  model: ScriptedResponsesServer;
  daemon: DaemonHandle;
  client: Client;
  workDir: string;
  close(): Promise<void>;
}

export async function startAppServerDaemon(extraArgs: string[] = [], token?: string): Promise<AppServerEnv> {
  const model = await startScriptedResponsesServer();
  const codexHome = model.writeCodexHome();
  const workDir = tempDir("agentd-app-server-cwd-");
  const daemon = await startDaemon({ args: [...APP_SERVER_ARGS, ...(token ? ["--auth-token", token] : []), ...extraArgs], env: model.codexEnv(codexHome) });
  return {
    model, daemon, workDir,
    client: api(daemon.url, token),
    async close() {
      await daemon.stop();
      await model.close();
      cleanup(codexHome);
      cleanup(workDir);
      cleanup(daemon.dataDir);
    },
  };
}

export async function newSession(client: Client, body: Record<string, unknown>): Promise<string> {
  const s = await client.post("/sessions", { provider: "codex", ...body });
  assert.equal(s.status, 201, JSON.stringify(s.body));
  return s.body.session.id as string;
}

export async function send(client: Client, sessionId: string, text: string): Promise<string> {
  const m = await client.post(`/sessions/${sessionId}/messages`, { text, idempotency_key: `k-${Math.random()}` });
  assert.equal(m.status, 201, JSON.stringify(m.body));
  return m.body.run.id as string;
}

export async function finished(client: Client, runId: string): Promise<Record<string, any>> {
  const w = await client.get(`/runs/${runId}/wait?timeout_s=90`);
  assert.equal(w.body.timed_out, false, `run ${runId} did not finish: ${JSON.stringify(w.body)}`);
  return w.body.run;
}

export async function runEvents(client: Client, sessionId: string, runId?: string): Promise<Event[]> {
  const r = await client.get(`/sessions/${sessionId}/events?cursor=0&limit=1000`);
  return (r.body.events as Event[]).filter((e) => runId === undefined || e.run_id === runId);
}

/** Wait until the run shows it waits for an approval; returns its `waiting`. */
export async function waitingFor(client: Client, runId: string): Promise<Record<string, any>> {
  return until(async () => {
    const r = await client.get(`/runs/${runId}`);
    if (r.body.run.status !== "running" && r.body.run.status !== "queued") throw new Error(`run ${runId} ended without waiting: ${JSON.stringify(r.body.run)}`);
    return r.body.run.waiting as Record<string, any> | null;
  }, 60_000, `run ${runId} waiting for approval`);
}
