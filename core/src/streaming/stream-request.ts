import { Type, type Static } from "@sinclair/typebox";
import { validation } from "../errors.ts";
import type { Services } from "../kernel/services.ts";
import type { VisibilityScope } from "../services/event-log.ts";
import type { Principal } from "../types.ts";
import type { StreamBudget } from "./stream-budget.ts";
import type { Revocation } from "./stream-limits.ts";

/** `GET /stream` query, for every transport. Unknown parameters are a 400 before any streaming. */
export const StreamQuery = Type.Object(
  {
    sessionId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: "follow one session; omit for every session the caller may see" })),
    cursor: Type.Optional(Type.Integer({ minimum: 0, description: "deliver events with seq > cursor; omit for 'from now', 0 for 'from the beginning'" })),
    ticket: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "single-use ticket from POST /stream/tickets (browsers)" })),
  },
  { additionalProperties: false },
);
export type StreamQuery = Static<typeof StreamQuery>;

/** A validated, authorized stream request: what an EventFeed needs besides the connection. */
export interface StreamRequest {
  principal: Principal;
  sessionId?: string;
  /** null = from now. */
  cursor: number | null;
  visible?: (sessionId: string) => boolean;
  /** `visible` as SQL, for replay: only the principal's sessions' events are read. */
  scope?: VisibilityScope;
  /** Frees the principal's stream slot; call when the connection ends (EventFeed does on close). */
  release: () => void;
  /** Fires when the principal is revoked (a run token at its run's end): the stream must close. */
  revocation: Revocation;
  /** The daemon-wide buffered-bytes budget (--max-stream-buffer-bytes). */
  budget: StreamBudget;
}

/** Visibility cache per connection; sessions never change owner, so a cached answer stays true. */
const VISIBLE_CACHE_MAX = 10_000;

/**
 * Check a stream request against ownership and the log, the same way for every transport.
 * `lastEventId` (SSE's `Last-Event-ID` header) beats `?cursor=`. Throws 400/404 AgentdErrors.
 */
export function resolveStreamRequest(services: Services, principal: Principal, query: StreamQuery, lastEventId?: string): StreamRequest {
  let cursor: number | null = query.cursor ?? null;
  if (lastEventId !== undefined && lastEventId !== "") {
    if (!/^\d{1,15}$/.test(lastEventId)) throw validation(`Last-Event-ID must be an event seq (a non-negative integer), got "${lastEventId.slice(0, 40)}"`);
    cursor = Number(lastEventId);
  }
  const last = services.events.durableSeq;
  if (cursor !== null && cursor > last) {
    throw validation(`cursor ${cursor} is ahead of this daemon's event log (last seq ${last}): resume from a seq you received from this daemon, or omit cursor to start from now`, { last_seq: last });
  }
  if (cursor !== null) services.retention.assertCursor(cursor);
  const budget = services.streamBudget;
  if (query.sessionId !== undefined) {
    const session = services.sessions.get(query.sessionId, principal);
    return { principal, sessionId: session.id, cursor, budget, ...services.streams.acquire(principal.id) };
  }
  if (principal.admin) return { principal, cursor, budget, ...services.streams.acquire(principal.id) };
  const cache = new Map<string, boolean>();
  const visible = (sessionId: string): boolean => {
    let ok = cache.get(sessionId);
    if (ok === undefined) {
      const session = services.sessions.find(sessionId);
      ok = session !== undefined && services.sessions.canAccess(principal, session);
      if (cache.size >= VISIBLE_CACHE_MAX) cache.clear();
      cache.set(sessionId, ok);
    }
    return ok;
  };
  // The same rule as SessionService.canAccess, in SQL: a run token sees its tree, a user its own sessions.
  const scope: VisibilityScope = principal.run ? { tree: principal.run.session_id } : { owner: principal.id };
  return { principal, cursor, visible, scope, budget, ...services.streams.acquire(principal.id) };
}
