// Shared by the run-token tests: a daemon with two user tokens and an admin token, and a run that
// stays running and hands out its own token (the child-process test provider's "token hold" prompt).
import { api, startDaemon, until, type DaemonHandle } from "../support/daemon.ts";

export const OWNER = "sec-owner-token-0001";
export const OTHER = "sec-other-token-0002";
export const ADMIN = "sec-admin-token-0003";
const CHILD_PLUGIN = "./test/fixtures/plugins/child-process-provider.ts";

export function startTokenDaemon(extra: string[] = []): Promise<DaemonHandle> {
  return startDaemon({ args: ["--plugin", CHILD_PLUGIN, "--auth-token", OWNER, "--auth-token", OTHER, "--admin-token", ADMIN, ...extra] });
}

export interface HeldRun {
  sessionId: string;
  runId: string;
  /** The run's own token (AGENTCTL_AUTH_TOKEN inside the run). */
  token: string;
}

/** A running run of OWNER's that holds until canceled, and its token. */
export async function heldRun(url: string, label: string): Promise<HeldRun> {
  const owner = api(url, OWNER);
  const sessionId = (await owner.post("/sessions", { title: label, provider: "child" })).body.session.id as string;
  const sent = await owner.post(`/sessions/${sessionId}/messages`, { text: "token hold 120000", idempotency_key: `held-${label}` });
  if (sent.status !== 201) throw new Error(`could not queue the held run: ${JSON.stringify(sent.body)}`);
  const token = await until(async () => {
    const events = (await owner.get(`/sessions/${sessionId}/events?limit=1000`)).body.events as Array<{ event_type: string; data: { token?: string } }>;
    return events.find((e) => e.event_type === "child.token")?.data.token;
  }, 30_000, "the run to report its token");
  return { sessionId, runId: sent.body.run.id as string, token };
}
