/**
 * Drive one session with the client SDK: create it, follow its events live with subscribe(), send a
 * message, wait for the run, and stop once the stream has delivered the run's end.
 *
 *   node --import tsx examples/node-client/src/main.ts "Respond with exactly: hello"
 *
 * Env: AGENTD_URL (default http://127.0.0.1:8765), AGENTD_TOKEN (when the daemon has --auth-token),
 * AGENTD_PROVIDER (default: the session default, "auto").
 */
import { AgentdApiError, AgentdClient, DaemonUnreachableError, TERMINAL_STATUSES, subscribe, type AgentEvent } from "@agentd/core/client";

const baseUrl = process.env.AGENTD_URL ?? "http://127.0.0.1:8765";
const token = process.env.AGENTD_TOKEN || undefined;
const text = process.argv[2] ?? "Respond with exactly: hello";

async function main(): Promise<number> {
  const client = new AgentdClient({ baseUrl, token });
  const { session } = await client.createSession({ title: "node-client example", provider: process.env.AGENTD_PROVIDER });
  console.log(`session ${session.id}`);

  // Subscribe before sending, from cursor 0, so no event of this session can be missed.
  const terminal = new Set<string>(TERMINAL_STATUSES.map((s) => `run.${s}`));
  let sawEnd!: () => void;
  const ended = new Promise<void>((resolve) => (sawEnd = resolve));
  const events: AgentEvent[] = [];
  const sub = subscribe({
    baseUrl,
    token,
    sessionId: session.id,
    transport: "sse",
    cursor: 0,
    onEvent(event) {
      events.push(event);
      console.log(`event ${event.seq} ${event.event_type}`);
      if (terminal.has(event.event_type)) sawEnd();
    },
    onError(err) {
      console.error(`stream stopped: ${err.message}`);
      sawEnd();
    },
  });

  try {
    // The SDK sends an idempotency key and reuses it on its own retries: no double send.
    const { run } = await client.sendMessage(session.id, { text });
    console.log(`run ${run.id} ${run.status}`);
    const waited = await client.waitRun(run.id, { timeout_s: 120 });
    if (waited.timed_out) {
      const { diagnostics } = await client.diagnoseRun(run.id);
      console.error(`run ${run.id} still ${waited.run.status} after 120 s: ${String(diagnostics.likely_issue ?? "no likely issue reported")}`);
      return 1;
    }
    // The stream delivers the run's end too (usually already); a stream that never does is a bug worth reporting.
    const streamTimeout = setTimeout(() => sawEnd(), 30_000);
    await ended;
    clearTimeout(streamTimeout);
    if (!events.some((e) => e.run_id === run.id && terminal.has(e.event_type))) console.error(`the stream did not deliver the end of run ${run.id} within 30 s`);
    console.log(`run ${run.id} ${waited.run.status}: ${waited.run.output ?? waited.run.error ?? ""}`);
    return waited.run.status === "completed" ? 0 : 1;
  } finally {
    sub.close();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    if (err instanceof DaemonUnreachableError) console.error(`${err.message} (start it with \`npm start\` or set AGENTD_URL)`);
    else if (err instanceof AgentdApiError) console.error(`the daemon refused: ${err.code} (HTTP ${err.status}): ${err.message}`);
    else console.error(err);
    process.exitCode = 1;
  },
);
