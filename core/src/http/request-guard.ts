import type { IncomingHttpHeaders } from "node:http";
import { isIP } from "node:net";
import type { Context, Next } from "koa";
import { AgentdError } from "../errors.ts";
import type { Gateway } from "../kernel/gateway.ts";
import { isLoopbackHost } from "../kernel/loopback.ts";

/**
 * Keeps web pages from driving the daemon (docs/reliability.md, "Browsers, origins and open
 * mode"). A browser attaches `Origin` to every cross-origin request it lets a page make, so:
 * - a request with no `Origin` (curl, SDKs, the CLI) or a same-origin one (a page the daemon
 *   serves itself) passes; any other origin needs `--allowed-origin`;
 * - in open mode (no token) the `Host` header must name loopback, which defeats DNS rebinding
 *   (a page on evil.example whose name re-resolves to 127.0.0.1 still sends `Host: evil.example`).
 * The same check runs for HTTP routes (middleware below) and WebSocket upgrades (`guardRequest`).
 */
export class RequestGuard {
  private lastGoodHost: string | undefined;

  constructor(
    private readonly allowedOrigins: ReadonlySet<string>,
    /** True while no token is configured (auth may be registered after construction). */
    private readonly openMode: () => boolean,
    /** --insecure-open: an open daemon reachable by IP literal (still no DNS names). */
    private readonly insecureOpen: boolean,
  ) {}

  /** Throws when the Host or Origin is refused; returns the Origin to echo in CORS headers, if any. */
  check(headers: IncomingHttpHeaders): string | undefined {
    const host = headers.host;
    if (host !== undefined && host !== this.lastGoodHost && this.openMode()) {
      if (!this.hostAllowed(host)) {
        throw new AgentdError(
          "host_not_allowed",
          `this daemon has no token, so it only answers requests addressed to loopback (Host: 127.0.0.1, localhost or [::1]), not "${host}" (a DNS-rebinding page would send its own name): connect to http://127.0.0.1:<port>, or configure a token (--auth-token-file / --auth-token)`,
          { host },
        );
      }
      this.lastGoodHost = host;
    }
    const origin = headers.origin;
    if (origin === undefined) return undefined;
    const normalized = normalizeOrigin(origin);
    if (normalized !== null && (this.allowedOrigins.has(normalized) || sameOrigin(normalized, host))) return origin;
    throw new AgentdError(
      "origin_not_allowed",
      `requests from the web origin "${origin}" are refused: a page there could act with this daemon's authority. If you trust it, start agentd with --allowed-origin ${normalized ?? origin} (repeatable; env AGENTD_ALLOWED_ORIGINS, comma-separated)`,
      { origin },
    );
  }

  private hostAllowed(host: string): boolean {
    const hostname = hostnameOf(host);
    if (hostname === null) return false;
    return isLoopbackHost(hostname) || (this.insecureOpen && isIP(hostname.replace(/^\[(.*)\]$/, "$1")) !== 0);
  }
}

/** "HTTP://UI.example:80/" -> "http://ui.example"; null for anything but a bare http(s) origin. */
export function normalizeOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (url.pathname !== "/" || url.search || url.hash || url.username || url.password) return null;
  return url.origin;
}

function hostnameOf(host: string): string | null {
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return null;
  }
}

/** A page served by this daemon (or by a proxy in front of it that keeps the Host header). */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  const o = new URL(origin);
  let h: URL;
  try {
    h = new URL(`${o.protocol}//${host}`);
  } catch {
    return false;
  }
  return o.host === h.host;
}

const guards = new WeakMap<Gateway, RequestGuard>();

/** The gateway's guard (built once from its config). */
export function requestGuardFor(gateway: Gateway): RequestGuard {
  let guard = guards.get(gateway);
  if (!guard) {
    guard = new RequestGuard(new Set(gateway.config.allowedOrigins), () => !gateway.auth.required, gateway.config.insecureOpen);
    guards.set(gateway, guard);
  }
  return guard;
}

/** For transports that handle upgrades outside Koa: throws the same refusal as an HTTP route. */
export function guardRequest(gateway: Gateway, headers: IncomingHttpHeaders): void {
  requestGuardFor(gateway).check(headers);
}

const PREFLIGHT_HEADERS = {
  "access-control-allow-methods": "GET, POST",
  "access-control-allow-headers": "authorization, content-type, idempotency-key, last-event-id",
  "access-control-max-age": "600",
};

/**
 * Koa middleware, ahead of auth: refuses foreign origins and hosts, echoes an allowed origin in
 * `Access-Control-Allow-Origin` (never `*`) and answers CORS preflights, which carry no token.
 */
export function requestGuardMiddleware(gateway: Gateway) {
  const guard = requestGuardFor(gateway);
  return async (ctx: Context, next: Next): Promise<void> => {
    const origin = guard.check(ctx.headers);
    if (origin !== undefined) {
      ctx.set("access-control-allow-origin", origin);
      ctx.vary("origin");
      if (ctx.method === "OPTIONS" && ctx.get("access-control-request-method")) {
        ctx.set(PREFLIGHT_HEADERS);
        ctx.status = 204;
        return;
      }
    }
    await next();
  };
}
