// Shared helpers for the agent-to-agent tests: daemons with the test providers, and API shortcuts.
import { readAllEvents, type LoggedEvent } from "../support/events.ts";
import { join } from "node:path";
import { ROOT, api, startDaemon, until, type DaemonHandle } from "../support/daemon.ts";

export const SLOW_PLUGIN = join(ROOT, "test", "fixtures", "plugins", "slow-provider.ts");
export const SCRIPT_PLUGIN = join(ROOT, "test", "orchestration", "fixtures", "agentctl-provider.ts");
export const SPAWN_POLICY = join(ROOT, "test", "orchestration", "fixtures", "spawn-policy.ts");
export const ESCALATION_POLICY = join(ROOT, "test", "orchestration", "fixtures", "escalation-policy.ts");
export const TOKEN = "owner-token-a2a-0001";

export type Client = ReturnType<typeof api>;

/** A daemon with the slow and script test providers and an owner token. */
export function startA2aDaemon(args: string[] = [], dataDir?: string, port?: number): Promise<DaemonHandle> {
  return startDaemon({ args: ["--plugin", SLOW_PLUGIN, "--plugin", SCRIPT_PLUGIN, "--auth-token", TOKEN, ...args], dataDir, port });
}

export const key = (): string => `k-${Math.random().toString(36).slice(2)}`;

export async function session(client: Client, provider: string): Promise<string> {
  const s = await client.post("/sessions", { provider });
  if (s.status !== 201) throw new Error(`session create failed: ${JSON.stringify(s.body)}`);
  return s.body.session.id;
}

export async function send(client: Client, sessionId: string, text: string): Promise<string> {
  const m = await client.post(`/sessions/${sessionId}/messages`, { text, idempotency_key: key() });
  if (m.status !== 201) throw new Error(`message send failed: ${JSON.stringify(m.body)}`);
  return m.body.run.id;
}

/** A parent run that stays running (slow provider, a long sleep) until canceled. */
export async function liveParent(client: Client): Promise<{ sessionId: string; runId: string }> {
  const sessionId = await session(client, "slow");
  const runId = await send(client, sessionId, "sleep 600000");
  await running(client, runId);
  return { sessionId, runId };
}

export async function running(client: Client, runId: string): Promise<void> {
  await until(async () => (await client.get(`/runs/${runId}`)).body.run?.status === "running", 30_000, `run ${runId} running`);
}

export async function spawn(client: Client, parentRunId: string, body: Record<string, unknown>): Promise<{ sessionId: string; runId: string }> {
  const r = await client.post(`/runs/${parentRunId}/spawn`, body);
  if (r.status !== 201) throw new Error(`spawn failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { sessionId: r.body.session.id, runId: r.body.run.id };
}

export async function finished(client: Client, runId: string, timeoutS = 90): Promise<Record<string, any>> {
  const w = await client.get(`/runs/${runId}/wait?timeout_s=${timeoutS}`);
  if (w.status !== 200 || w.body.timed_out) throw new Error(`run ${runId} did not finish within ${timeoutS}s: ${JSON.stringify(w.body)}`);
  return w.body.run;
}

export async function events(client: Client, sessionId: string, type?: string): Promise<LoggedEvent[]> {
  const all = await readAllEvents(client, sessionId);
  return type ? all.filter((e) => e.event_type === type) : all;
}

/** A script for the "script" test provider (see fixtures/agentctl-provider.ts). */
export const script = (...steps: Array<{ agentctl: string[] } | { sleep_ms: number } | { hold: true }>): string => JSON.stringify({ steps });

export interface StepResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A spawn body whose child runs until canceled. */
export const HOLD = { provider: "script", task: JSON.stringify({ steps: [{ hold: true }] }) };

/** The step results a completed script run reported. */
export function stepsOf(run: Record<string, any>): StepResult[] {
  if (run.status !== "completed") throw new Error(`script run ${run.id} ended ${run.status}: ${run.error}`);
  return JSON.parse(run.output) as StepResult[];
}
