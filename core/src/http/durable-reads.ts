import type { Context, Next } from "koa";
import type { Storage } from "../storage/types.ts";

/**
 * Reads wait for the storage's read barrier before they run: a GET never shows a change that is
 * only in memory (committed, not yet durable), and while the journal cannot be written it answers
 * 503 `storage_unavailable` instead of showing changes a crash would take back. Usually free: the
 * barrier is already passed unless a write is in its fsync. `exempt` paths report health.
 */
export function durableReads(storage: Storage, exempt: ReadonlySet<string>) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if ((ctx.method === "GET" || ctx.method === "HEAD") && storage.whenDurable && !exempt.has(ctx.path)) await storage.whenDurable();
    await next();
  };
}
