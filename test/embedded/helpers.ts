// Shared helpers for the embedded runtime tests: a daemon pointed at the scripted model server,
// and small API shortcuts.
import { readAllEvents, type LoggedEvent } from "../support/events.ts";
import { join } from "node:path";
import { ROOT, api, startDaemon, type DaemonHandle } from "../support/daemon.ts";
import type { ScriptedServer } from "../support/scripted-openai-server.ts";

export const TOOLS_PLUGIN = join(ROOT, "test", "fixtures", "plugins", "embedded-test-tools.ts");
export const MODEL = "scripted-model";
export const KEY_ENV = "TEST_MODEL_KEY";

export type Client = ReturnType<typeof api>;

/** A real daemon whose embedded runtime talks to the scripted server. */
export function startEmbeddedDaemon(server: ScriptedServer, args: string[] = [], dataDir?: string): Promise<DaemonHandle> {
  return startDaemon({
    args: ["--model-base-url", server.baseUrl, "--model", MODEL, "--model-api-key-env", KEY_ENV, ...args],
    env: { [KEY_ENV]: "sk-test-key" },
    dataDir,
  });
}

export async function newSession(client: Client, body: Record<string, unknown> = {}): Promise<string> {
  const s = await client.post("/sessions", { provider: "embedded", ...body });
  if (s.status !== 201) throw new Error(`session create failed: ${JSON.stringify(s.body)}`);
  return s.body.session.id as string;
}

/** Send a message and return its run id (without waiting). */
export async function send(client: Client, sessionId: string, text: string): Promise<string> {
  const m = await client.post(`/sessions/${sessionId}/messages`, { text, idempotency_key: `k-${Math.random()}` });
  if (m.status !== 201) throw new Error(`message send failed: ${JSON.stringify(m.body)}`);
  return m.body.run.id as string;
}

/** Wait until the run is terminal (long-polls; generous for a loaded machine). */
export async function finished(client: Client, runId: string, timeoutS = 60): Promise<Record<string, any>> {
  const w = await client.get(`/runs/${runId}/wait?timeout_s=${timeoutS}`);
  if (w.body.timed_out) throw new Error(`run ${runId} did not finish within ${timeoutS}s: ${JSON.stringify(w.body.run)}`);
  return w.body.run;
}

export async function converse(client: Client, sessionId: string, text: string): Promise<Record<string, any>> {
  return finished(client, await send(client, sessionId, text));
}

/** Every event of a session, optionally only one run's and one type's. */
export async function events(client: Client, sessionId: string, filter: { runId?: string; type?: string } = {}): Promise<LoggedEvent[]> {
  const all = await readAllEvents(client, sessionId);
  return all.filter((e) => (!filter.runId || e.run_id === filter.runId) && (!filter.type || e.event_type === filter.type));
}
