// The console's connection to its own daemon: same origin, the token from sessionStorage (never a
// URL, never localStorage, never logged), the project's REST client and subscribe().
import { AgentdClient, subscribe, type StreamStatus, type StreamTransport, type Subscription } from "../../../core/src/client/index.ts";
import type { AgentEvent } from "../../../core/src/types.ts";

const TOKEN_KEY = "agentd.console.token";
const TRANSPORT_KEY = "agentd.console.transport";

export const storedToken = (): string => sessionStorage.getItem(TOKEN_KEY) ?? "";
export const storeToken = (token: string): void => (token ? sessionStorage.setItem(TOKEN_KEY, token) : sessionStorage.removeItem(TOKEN_KEY));
export const storedTransport = (): StreamTransport => (sessionStorage.getItem(TRANSPORT_KEY) === "ws" ? "ws" : "sse");
export const storeTransport = (t: StreamTransport): void => sessionStorage.setItem(TRANSPORT_KEY, t);

export const newClient = (token: string): AgentdClient => new AgentdClient({ baseUrl: location.origin, token, retries: 3, retryDelayMs: 300 });

export interface StreamState {
  status: StreamStatus;
  transport: StreamTransport;
  attempt: number;
  reason?: string;
  /** Set once a reconnection opened: the seq the stream resumed after. */
  resumedAfter: number | null;
  error?: string;
}

/** Follow the log with subscribe(): every event once, in seq order, across reconnects. */
export function follow(opts: {
  token: string;
  transport: StreamTransport;
  sessionId?: string;
  cursor?: number;
  onEvents(events: AgentEvent[]): void;
  onState(state: StreamState): void;
}): Subscription {
  let state: StreamState = { status: "connecting", transport: opts.transport, attempt: 0, resumedAfter: null };
  let reconnectFrom: number | null = null;
  // Events are handed over once per animation frame: a replay of 10 000 events renders a few times, not 10 000.
  let batch: AgentEvent[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    const b = batch;
    batch = [];
    if (b.length) opts.onEvents(b);
  };
  const set = (patch: Partial<StreamState>): void => {
    state = { ...state, ...patch };
    opts.onState(state);
  };
  return subscribe({
    baseUrl: location.origin,
    token: opts.token || undefined,
    sessionId: opts.sessionId,
    transport: opts.transport,
    cursor: opts.cursor,
    minBackoffMs: 250,
    maxBackoffMs: 5000,
    onEvent(event) {
      batch.push(event);
      if (!scheduled) {
        scheduled = true;
        requestAnimationFrame(flush);
      }
    },
    onStatus(status, info) {
      if (status === "reconnecting") {
        reconnectFrom = info.cursor;
        set({ status, attempt: info.attempt, reason: info.reason });
      } else if (status === "open") {
        set({ status, attempt: 0, reason: undefined, error: undefined, resumedAfter: reconnectFrom ?? state.resumedAfter });
      } else set({ status });
    },
    onError(err) {
      set({ error: err.message });
    },
  });
}

export function describeState(s: StreamState): string {
  const via = s.transport === "ws" ? "WebSocket" : "SSE";
  if (s.status === "open") return `live over ${via}${s.resumedAfter !== null ? ` · resumed after seq ${s.resumedAfter}` : ""}`;
  if (s.status === "reconnecting") return `reconnecting over ${via}${s.attempt > 1 ? ` (attempt ${s.attempt})` : ""}`;
  if (s.status === "connecting") return `connecting over ${via}`;
  return `stopped${s.error ? `: ${s.error}` : ""}`;
}
