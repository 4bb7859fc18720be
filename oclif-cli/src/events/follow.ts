/**
 * Follow a session's events live over SSE (the client SDK's `subscribe`) until SIGINT/SIGTERM.
 * `subscribe` reconnects with backoff and resumes after the last delivered seq, so a daemon
 * restart loses and repeats nothing; the status lines go to stderr for the operator.
 */
import { subscribe, StreamError, type AgentEvent } from "@agentd/core/client";

export interface FollowOptions {
  baseUrl: string;
  token?: string;
  sessionId: string;
  cursor: number;
  onEvent(event: AgentEvent): void;
  /** Connection news for stderr (lost, resumed). */
  onStatus(message: string): void;
}

/** Resolves when interrupted; rejects with a StreamError when the daemon refuses the stream (401, 404, 400). */
export function followEvents(opts: FollowOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let lost = false;
    const finish = (err?: StreamError): void => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      sub.close();
      if (err) reject(err);
      else resolve();
    };
    const onSignal = (): void => finish();
    const sub = subscribe({
      baseUrl: opts.baseUrl,
      token: opts.token,
      sessionId: opts.sessionId,
      transport: "sse",
      cursor: opts.cursor,
      maxBackoffMs: 2000,
      onEvent: opts.onEvent,
      onError: (err) => {
        if (err.fatal) finish(err);
      },
      onStatus: (status, info) => {
        if (status === "reconnecting" && !lost) {
          lost = true;
          opts.onStatus(`event stream lost (${info.reason ?? "connection closed"}); reconnecting, will resume after seq ${info.cursor ?? opts.cursor}`);
        } else if (status === "open" && lost) {
          lost = false;
          opts.onStatus(`event stream resumed after seq ${info.cursor ?? opts.cursor}`);
        }
      },
    });
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  });
}
