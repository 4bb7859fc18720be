import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { AgentdError } from "../errors.ts";
import type { Principal, Run, Session } from "../types.ts";
import { StreamTickets } from "../streaming/stream-tickets.ts";

/** What an auth plugin provides: turn a bearer token into a principal. */
export interface Authenticator {
  readonly name: string;
  /** False when no credentials are configured: every request is then the local admin. */
  required(): boolean;
  authenticate(token: string): Principal | null;
}

/** Compare secrets in constant time (hashing first makes lengths equal). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** The principal used when auth is not configured (local single-user mode). */
export const LOCAL_PRINCIPAL: Principal = Object.freeze({ id: "local", admin: true });

/**
 * Resolves requests to principals: run tokens (issued by the kernel to running providers) first,
 * then the auth plugin. Transports call `fromHeaders` for upgrades and streams.
 */
export class AuthService {
  private authenticator: Authenticator | null = null;
  private readonly runTokens = new Map<string, Principal>();
  /** Single-use stream tickets for browsers (`POST /stream/tickets`, then `/stream?ticket=`). */
  readonly tickets = new StreamTickets();

  use(authenticator: Authenticator): void {
    if (this.authenticator) throw new Error(`an authenticator ("${this.authenticator.name}") is already registered`);
    this.authenticator = authenticator;
  }

  get required(): boolean {
    return this.authenticator?.required() ?? false;
  }

  issueRunToken(run: Run, session: Session): string {
    const token = `agentd_run_${randomBytes(24).toString("base64url")}`;
    this.runTokens.set(token, {
      id: `run:${run.id}`,
      admin: false,
      run: { run_id: run.id, session_id: session.id, root_session_id: session.root_session_id, owner: session.owner },
    });
    return token;
  }

  /**
   * The run ended: its token stops authenticating and every stream ticket it minted is void.
   * Returns the revoked principal, so the caller can close the streams it opened.
   */
  revokeRunToken(token: string): Principal | undefined {
    const principal = this.runTokens.get(token);
    if (!principal) return undefined;
    this.runTokens.delete(token);
    this.tickets.revoke(principal.id);
    return principal;
  }

  /** Principal for a bearer token, or null when unknown. */
  authenticate(token: string): Principal | null {
    const run = this.runTokens.get(token);
    if (run) return run;
    return this.authenticator?.authenticate(token) ?? null;
  }

  /** Principal for a request's headers; throws `unauthorized` with what to send. */
  fromHeaders(headers: IncomingHttpHeaders): Principal {
    const header = headers.authorization;
    const token = header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
    if (token) {
      const principal = this.authenticate(token);
      if (principal) return principal;
      if (this.required) throw new AgentdError("unauthorized", "the bearer token is not valid for this daemon");
    }
    if (!this.required) return LOCAL_PRINCIPAL;
    throw new AgentdError("unauthorized", "missing credentials: send 'Authorization: Bearer <token>' (a token from --auth-token / AGENTD_AUTH_TOKEN)");
  }

  /**
   * Principal for a `/stream` request: a `?ticket=` (consumed) when present, else the headers.
   * Used by the auth middleware (SSE) and by transports that handle upgrades themselves (WS).
   */
  fromStream(headers: IncomingHttpHeaders, ticket: string | undefined): Principal {
    if (ticket === undefined) return this.fromHeaders(headers);
    const principal = this.tickets.redeem(ticket);
    if (!principal) throw new AgentdError("unauthorized", "the stream ticket is unknown, expired or already used (a run token's tickets are void once its run ends): POST /stream/tickets for a new one (each ticket opens one stream)");
    return principal;
  }
}
