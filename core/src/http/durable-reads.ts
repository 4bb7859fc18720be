import type { Context, Next } from "koa";
import type { Storage } from "../storage/types.ts";

/**
 * Reads wait for the storage's read barrier: a GET never shows a change that is only in memory
 * (committed, not yet durable), and while the journal cannot be written it answers 503
 * `storage_unavailable` instead of showing changes a crash would take back. The barrier is taken
 * before the handler and again before the answer leaves, because a long poll (`GET
 * /runs/:id/wait`) may read a change committed after the request began. Usually free: the barrier
 * is already passed unless a write is in its fsync. `exempt` paths report health; streams publish
 * only durable events and are not held.
 */
export function durableReads(storage: Storage, exempt: ReadonlySet<string>) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const read = (ctx.method === "GET" || ctx.method === "HEAD") && storage.whenDurable !== undefined && !exempt.has(ctx.path);
    if (read) await storage.whenDurable!();
    await next();
    const streaming = typeof (ctx.body as { pipe?: unknown } | null)?.pipe === "function" || ctx.respond === false;
    if (read && !streaming) await storage.whenDurable!();
  };
}
