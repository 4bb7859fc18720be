import { APIConnectionError, APIError, APIUserAbortError } from "openai";
import type { ApiTarget } from "./config.ts";


/** A model call that gave up: `retryable` says whether another attempt may help. */
export class ModelCallError extends Error {
  override name = "ModelCallError";
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status: number | null = null,
    /** Seconds the server asked us to wait (Retry-After), if it said. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

/** Thrown by the idle timer: the model sent nothing for too long. */
export class IdleTimeoutError extends Error {
  override name = "IdleTimeoutError";
}

/** The connection closed mid-answer (no finish_reason): a proxy or server dropped it. */
export class IncompleteStreamError extends Error {
  override name = "IncompleteStreamError";
}

const where = (t: ApiTarget): string => `model "${t.model}" at ${t.baseUrl}`;

/** Retry-After as milliseconds: delta-seconds or an HTTP date (also the `retry-after-ms` header some servers send). */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | null {
  const ms = headers?.get("retry-after-ms");
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers?.get("retry-after");
  if (!value) return null;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.max(0, Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Turn whatever the SDK threw into a ModelCallError whose message says what to check. */
export function classify(err: unknown, target: ApiTarget, idleTimeoutMs: number): ModelCallError {
  if (err instanceof IdleTimeoutError) {
    return new ModelCallError(`${where(target)} sent nothing for ${idleTimeoutMs} ms (idle timeout); check that the server is up and not overloaded, or raise --model-idle-timeout-ms`, true);
  }
  if (err instanceof IncompleteStreamError) return new ModelCallError(`${where(target)}: ${err.message}`, true);
  if (err instanceof APIUserAbortError) return new ModelCallError("the model request was aborted", false);
  if (err instanceof APIConnectionError) {
    const cause = (err.cause as Error | undefined)?.message ?? err.message;
    return new ModelCallError(`cannot reach ${where(target)}: ${cause}; check --model-base-url and that the server is running`, true);
  }
  if (err instanceof APIError && typeof err.status === "number") {
    const status = err.status;
    const detail = err.message.replace(/^\d+\s*/, "");
    if (status === 401 || status === 403) {
      const key = process.env[target.apiKeyEnv] ? `the API key in $${target.apiKeyEnv}` : `$${target.apiKeyEnv}, which is not set`;
      return new ModelCallError(`${where(target)} rejected the request with ${status} (${detail}); check ${key} (choose the variable with --model-api-key-env) and that the key may use this model`, false, status);
    }
    if (status === 404) {
      return new ModelCallError(`${where(target)} answered 404 (${detail}); check that --model-base-url ends where the API lives (usually /v1) and that the model id exists there`, false, status);
    }
    if (status === 408 || status === 409 || status === 429 || status >= 500) {
      return new ModelCallError(`${where(target)} answered ${status} (${detail})`, true, status, retryAfterMs(err.headers));
    }
    return new ModelCallError(`${where(target)} rejected the request with ${status} (${detail}); the request may use a feature this server does not support (tools, streaming usage)`, false, status);
  }
  return new ModelCallError(`calling ${where(target)} failed: ${err instanceof Error ? err.message : String(err)}`, false);
}

/** Exponential backoff with "equal jitter" (half fixed, half random), or the server's Retry-After when it gave one. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, serverMs: number | null, random = Math.random): number {
  if (serverMs !== null) return serverMs;
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Wait, but stop at once when the run is canceled. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
