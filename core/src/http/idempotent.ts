import type { Context } from "koa";
import { validation } from "../errors.ts";
import type { StorageTx } from "../storage/types.ts";
import { IdempotencyService, type IdempotencyService as Service } from "../services/idempotency.ts";
import type { AgentdState } from "./middleware.ts";

export interface MutateOptions<T> {
  /** The success status, or how to pick it from the result (e.g. 202 for a cancel still stopping). */
  status: number | ((result: T) => number);
  /** When true, a request without a key is a 400. */
  keyRequired?: boolean;
  render(result: T): unknown;
  /** Perform the mutation; pass `inTx` to the service so the response is stored atomically with it. */
  perform(inTx: ((tx: StorageTx, result: T) => void) | undefined): Promise<T>;
}

/** Run a mutating request under its idempotency key (header `Idempotency-Key` or body `idempotency_key`). */
export async function mutate<T>(ctx: Context, idempotency: Service, opts: MutateOptions<T>): Promise<void> {
  const state = ctx.state as AgentdState;
  const body = (state.body ?? {}) as Record<string, unknown>;
  const headerKey = ctx.get("idempotency-key") || undefined;
  const bodyKey = typeof body.idempotency_key === "string" ? body.idempotency_key : undefined;
  if (headerKey && bodyKey && headerKey !== bodyKey) throw validation("Idempotency-Key header and idempotency_key field differ; send one key");
  const key = headerKey ?? bodyKey;
  if (headerKey !== undefined && (headerKey.length > 200)) throw validation("Idempotency-Key header is longer than 200 characters");
  if (!key) {
    if (opts.keyRequired) throw validation(`an idempotency key is required for ${ctx.method} ${ctx.path}: send the Idempotency-Key header or an idempotency_key field`, [{ path: "/idempotency_key", keyword: "required", message: "missing required field \"idempotency_key\"" }]);
    const result = await opts.perform(undefined);
    ctx.status = statusOf(opts, result);
    ctx.body = opts.render(result);
    return;
  }
  const { idempotency_key: _ignored, ...rest } = body;
  const hash = IdempotencyService.hash([ctx.method, ctx.path, rest]);
  const begun = idempotency.begin(state.principal.id, key, hash);
  if ("replay" in begun) {
    await idempotency.whenReplayable();
    ctx.set("Idempotent-Replayed", "true");
    ctx.status = begun.replay.status;
    ctx.body = begun.replay.body;
    return;
  }
  try {
    const result = await opts.perform((tx, r) => begun.claim.record(tx, { status: statusOf(opts, r), body: opts.render(r) }));
    ctx.status = statusOf(opts, result);
    ctx.body = opts.render(result);
  } finally {
    begun.claim.release();
  }
}

const statusOf = <T>(opts: MutateOptions<T>, result: T): number => (typeof opts.status === "function" ? opts.status(result) : opts.status);
