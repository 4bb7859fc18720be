import { Type, type Static } from "@sinclair/typebox";
import { validation } from "../errors.ts";
import type { Services } from "../kernel/services.ts";
import type { Principal } from "../types.ts";

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
  /** Frees the principal's stream slot; call when the connection ends (EventFeed does on close). */
  release: () => void;
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
  if (query.sessionId !== undefined) {
    const session = services.sessions.get(query.sessionId, principal);
    return { principal, sessionId: session.id, cursor, release: services.streams.acquire(principal.id) };
  }
  if (principal.admin) return { principal, cursor, release: services.streams.acquire(principal.id) };
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
  return { principal, cursor, visible, release: services.streams.acquire(principal.id) };
}
