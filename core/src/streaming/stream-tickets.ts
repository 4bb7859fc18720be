import { randomBytes } from "node:crypto";
import { AgentdError } from "../errors.ts";
import type { Principal } from "../types.ts";

export interface IssuedTicket {
  ticket: string;
  expires_at: string;
}

/** Outstanding tickets are few and short-lived; the cap only stops a runaway client. */
const MAX_OUTSTANDING = 10_000;

/**
 * Single-use, short-lived stream tickets. Browsers cannot send `Authorization` on EventSource or
 * WebSocket, so they trade their credentials for a ticket (`POST /stream/tickets`) and put only the
 * ticket in the stream URL: a leaked URL is useless after one use or a minute.
 */
export class StreamTickets {
  private readonly tickets = new Map<string, { principal: Principal; expiresAt: number }>();

  issue(principal: Principal, ttlMs: number, now = Date.now()): IssuedTicket {
    this.purge(now);
    if (this.tickets.size >= MAX_OUTSTANDING) {
      throw new AgentdError("rate_limited", `${MAX_OUTSTANDING} stream tickets are outstanding; use the ones you have (they expire within ${Math.ceil(ttlMs / 1000)} s)`);
    }
    const ticket = `agentd_tkt_${randomBytes(24).toString("base64url")}`;
    const expiresAt = now + ttlMs;
    this.tickets.set(ticket, { principal, expiresAt });
    return { ticket, expires_at: new Date(expiresAt).toISOString() };
  }

  /** The ticket's principal, consuming the ticket; null when unknown, used or expired. */
  redeem(ticket: string, now = Date.now()): Principal | null {
    const entry = this.tickets.get(ticket);
    if (!entry) return null;
    this.tickets.delete(ticket);
    return entry.expiresAt > now ? entry.principal : null;
  }

  get outstanding(): number {
    return this.tickets.size;
  }

  private purge(now: number): void {
    for (const [ticket, entry] of this.tickets) if (entry.expiresAt <= now) this.tickets.delete(ticket);
  }
}
