import { randomBytes } from "node:crypto";
import { AgentdError } from "../errors.ts";
import type { Principal } from "../types.ts";

export interface IssuedTicket {
  ticket: string;
  expires_at: string;
}

export interface TicketLimits {
  /** Unredeemed tickets one principal may hold (429 beyond): a runaway client hits its own cap only. */
  perPrincipal: number;
  /** Safety bound on all tickets; when reached, the biggest holder's oldest ticket makes room. */
  total: number;
}

export const DEFAULT_TICKET_LIMITS: TicketLimits = { perPrincipal: 1000, total: 100_000 };

interface Entry {
  principal: Principal;
  expiresAt: number;
}

/**
 * Single-use, short-lived stream tickets. Browsers cannot send `Authorization` on EventSource or
 * WebSocket, so they trade their credentials for a ticket (`POST /stream/tickets`) and put only the
 * ticket in the stream URL: a leaked URL is useless after one use or its TTL.
 * Caps are per principal, so one client minting tickets in a loop never locks out another.
 */
export class StreamTickets {
  private readonly tickets = new Map<string, Entry>();
  /** Each principal's tickets in issue order (oldest first) with their expiry. */
  private readonly byPrincipal = new Map<string, Map<string, number>>();
  private lastFullPurge = 0;

  constructor(private readonly limits: TicketLimits = DEFAULT_TICKET_LIMITS) {}

  issue(principal: Principal, ttlMs: number, now = Date.now()): IssuedTicket {
    let own = this.byPrincipal.get(principal.id);
    if (own) this.purgeOwn(principal.id, own, now);
    if (own && own.size >= this.limits.perPrincipal) {
      const retryAfterS = Math.max(1, Math.ceil((Math.min(...own.values()) - now) / 1000));
      throw new AgentdError(
        "rate_limited",
        `this token already holds ${own.size} unredeemed stream tickets (limit ${this.limits.perPrincipal} per token): open streams with the ones you have, or wait ${retryAfterS} s until the oldest expires (tickets live for their ttl_s, up to 300 s)`,
        { limit: "max_tickets_per_principal", outstanding: own.size, max: this.limits.perPrincipal, retry_after_s: retryAfterS },
      );
    }
    if (this.tickets.size >= this.limits.total) this.makeRoom(now);
    const ticket = `agentd_tkt_${randomBytes(24).toString("base64url")}`;
    const expiresAt = now + ttlMs;
    this.tickets.set(ticket, { principal, expiresAt });
    if (!own) this.byPrincipal.set(principal.id, (own = new Map()));
    own.set(ticket, expiresAt);
    return { ticket, expires_at: new Date(expiresAt).toISOString() };
  }

  /** The ticket's principal, consuming the ticket; null when unknown, used, expired or revoked. */
  redeem(ticket: string, now = Date.now()): Principal | null {
    const entry = this.tickets.get(ticket);
    if (!entry) return null;
    this.forget(ticket, entry.principal.id);
    return entry.expiresAt > now ? entry.principal : null;
  }

  /** Void every ticket a principal holds (its token was revoked); returns how many. */
  revoke(principalId: string): number {
    const own = this.byPrincipal.get(principalId);
    if (!own) return 0;
    for (const ticket of own.keys()) this.tickets.delete(ticket);
    this.byPrincipal.delete(principalId);
    return own.size;
  }

  get outstanding(): number {
    return this.tickets.size;
  }

  outstandingFor(principalId: string): number {
    return this.byPrincipal.get(principalId)?.size ?? 0;
  }

  private forget(ticket: string, principalId: string): void {
    this.tickets.delete(ticket);
    const own = this.byPrincipal.get(principalId);
    own?.delete(ticket);
    if (own?.size === 0) this.byPrincipal.delete(principalId);
  }

  private purgeOwn(principalId: string, own: Map<string, number>, now: number): void {
    for (const [ticket, expiresAt] of own) if (expiresAt <= now) this.tickets.delete(ticket), own.delete(ticket);
    if (own.size === 0) this.byPrincipal.delete(principalId);
  }

  /** The global bound is reached: drop expired tickets, else the oldest ticket of the biggest holder. */
  private makeRoom(now: number): void {
    // A full sweep at most once a second: at the bound, every issue would otherwise pay for it.
    if (now - this.lastFullPurge >= 1000) {
      this.lastFullPurge = now;
      for (const [id, own] of [...this.byPrincipal]) this.purgeOwn(id, own, now);
      if (this.tickets.size < this.limits.total) return;
    }
    let biggest: [string, Map<string, number>] | undefined;
    for (const entry of this.byPrincipal) if (!biggest || entry[1].size > biggest[1].size) biggest = entry;
    const oldest = biggest?.[1].keys().next().value;
    if (biggest && oldest !== undefined) this.forget(oldest, biggest[0]);
  }
}
