import type { Context, Next } from "koa";
import { randomBytes } from "node:crypto";
import getRawBody from "raw-body";
import { isUtf8 } from "node:buffer";
import { AgentdError, isAgentdError, validation } from "../errors.ts";
import type { AuthService } from "../kernel/auth.ts";
import type { Logger } from "../providers/types.ts";
import type { Principal } from "../types.ts";
import { checkJsonShape } from "./json-limits.ts";

/** Koa state every route can rely on. */
export interface AgentdState {
  principal: Principal;
  body: unknown;
}

/** A client's own X-Request-Id is kept when it looks like an id (no spaces, quotes or control characters). */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:@\/+=-]{1,128}$/;
const requestIdPrefix = randomBytes(4).toString("hex");
let requestCounter = 0;

/**
 * Every response carries `X-Request-Id` (the client's, if well-formed, else a new one); logs about
 * the request name it as `request_id`. With `accessLog` (--log-level debug) each request is logged.
 */
export function requestIds(log: Logger, accessLog: boolean) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const given = ctx.get("x-request-id");
    const id = given && CLIENT_REQUEST_ID.test(given) ? given : `req-${requestIdPrefix}-${(++requestCounter).toString(36)}`;
    (ctx.state as { requestId?: string }).requestId = id;
    ctx.set("X-Request-Id", id);
    if (!accessLog) return next();
    const started = performance.now();
    try {
      await next();
    } finally {
      log.debug("request", { request_id: id, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) });
    }
  };
}

/** Maps every thrown error to `{"error": {code, message, details}}`; unknown errors become a logged 500. */
export function errorMiddleware(log: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new AgentdError("not_found", `no route for ${ctx.method} ${ctx.path}; see docs/api-contract.md (a daemon older than your client answers 404 for newer routes: restart it)`);
      }
    } catch (err) {
      const known = isAgentdError(err) ? err : fromKoaError(err);
      if (!known) {
        log.error("unhandled error in request", { request_id: (ctx.state as { requestId?: string }).requestId, method: ctx.method, path: ctx.path, err: err instanceof Error ? err.stack : String(err) });
      }
      const e = known ?? new AgentdError("internal_error", "internal error; the daemon log has the details");
      ctx.status = e.status;
      ctx.body = e.toJSON();
      if (e.status === 401) ctx.set("www-authenticate", 'Bearer realm="agentd"');
      // Refused before its body was read: close the connection instead of waiting for (and
      // discarding) a body the client may trickle forever.
      if (!ctx.req.complete && hasBody(ctx)) ctx.set("connection", "close");
    }
  };
}

const hasBody = (ctx: Context): boolean => Number(ctx.get("content-length") || 0) > 0 || ctx.get("transfer-encoding") !== "";

/** Errors raised by Koa or raw-body carry a status; keep their 4xx meaning. */
function fromKoaError(err: unknown): AgentdError | null {
  const e = err as { status?: number; type?: string; message?: string; limit?: number };
  if (e?.type === "entity.too.large" || e?.status === 413) return new AgentdError("payload_too_large", `request body exceeds the ${e.limit ?? "configured"} byte limit`);
  if (e?.type === "request.aborted") return new AgentdError("validation_error", "request body was aborted by the client");
  if (typeof e?.status === "number" && e.status >= 400 && e.status < 500) return new AgentdError("validation_error", e.message ?? "bad request");
  return null;
}

/**
 * Reads JSON bodies, after auth (an unauthenticated client cannot make the daemon wait for its
 * body). A body must say `Content-Type: application/json`: web pages can send text/plain or
 * untyped bodies cross-origin without a CORS preflight, JSON they cannot. No body reads as `{}`.
 */
export function jsonBody(limitBytes: number) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const state = ctx.state as AgentdState;
    state.body = undefined;
    if (ctx.method === "POST" || ctx.method === "PUT" || ctx.method === "PATCH") {
      const length = Number(ctx.get("content-length") || 0);
      if (!hasBody(ctx)) state.body = {};
      else {
        if (!ctx.is("application/json")) {
          const type = ctx.get("content-type");
          throw new AgentdError(
            "unsupported_media_type",
            `${type ? `unsupported content-type "${type}"` : "the request body has no content-type"}: send the body as JSON with 'Content-Type: application/json' (or send no body)`,
          );
        }
        if (length > limitBytes) throw new AgentdError("payload_too_large", `request body of ${length} bytes exceeds the ${limitBytes} byte limit`);
        const raw = await getRawBody(ctx.req, { limit: limitBytes });
        if (!isUtf8(raw)) throw validation("request body is not valid UTF-8; send JSON text encoded as UTF-8");
        const text = raw.toString("utf8");
        if (text.trim() === "") state.body = {};
        else {
          try {
            state.body = JSON.parse(text);
          } catch (err) {
            throw new AgentdError("invalid_json", `request body is not valid JSON: ${(err as Error).message}`);
          }
          checkJsonShape(state.body);
        }
      }
    }
    await next();
  };
}

/** The one path where a single-use `?ticket=` stands in for the Authorization header (browsers' EventSource). */
export const STREAM_PATH = "/stream";

/** Resolves the principal for every route but the public ones. */
export function authMiddleware(auth: AuthService, publicPaths: ReadonlySet<string>) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (!publicPaths.has(ctx.path)) {
      const ticket = ctx.path === STREAM_PATH && typeof ctx.query.ticket === "string" ? ctx.query.ticket : undefined;
      (ctx.state as AgentdState).principal = auth.fromStream(ctx.headers, ticket);
    }
    await next();
  };
}
