// Shared setup for tests that run the real claude binary (installed by `npm ci --prefix test/claude-bin`).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { api, ROOT } from "../support/daemon.ts";

export const CLAUDE_BIN = join(ROOT, "test", "claude-bin", "node_modules", ".bin", "claude");
export const INSTALL_HINT = "the claude test binary is not installed: run `npm ci --prefix test/claude-bin` (about 360 MB)";

/**
 * Skipped locally without the binary, with the install hint; a failure when AGENTD_REQUIRE_CLAUDE=1
 * (set by .ci/run) so CI can never pass by skipping them.
 */
export function claudeAvailability(): { installed: boolean; skip: string | false } {
  const installed = existsSync(CLAUDE_BIN);
  const required = process.env.AGENTD_REQUIRE_CLAUDE === "1";
  return { installed, skip: installed || required ? false : `${INSTALL_HINT} (set AGENTD_REQUIRE_CLAUDE=1 to make this a failure)` };
}

/** Fail fast: claude retries a failing API call 10 times with backoff by default. */
export const CLAUDE_TEST_ENV = { CLAUDE_CODE_MAX_RETRIES: "0" };

export type Client = ReturnType<typeof api>;
export type Event = { seq: number; event_type: string; run_id: string | null; data: Record<string, any> };

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

export async function events(client: Client, sessionId: string, runId?: string): Promise<Event[]> {
  const r = await client.get(`/sessions/${sessionId}/events?cursor=0&limit=1000`);
  return (r.body.events as Event[]).filter((e) => runId === undefined || e.run_id === runId);
}

export async function newSession(client: Client, body: Record<string, unknown>): Promise<string> {
  const s = await client.post("/sessions", { provider: "claude-code", ...body });
  assert.equal(s.status, 201, JSON.stringify(s.body));
  return s.body.session.id as string;
}
