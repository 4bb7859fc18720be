import type { Gateway } from "../kernel/gateway.ts";
import { durableReads } from "./durable-reads.ts";
import { authMiddleware, errorMiddleware, jsonBody, requestIds } from "./middleware.ts";
import { requestGuardMiddleware } from "./request-guard.ts";
import { daemonRoutes } from "./routes/daemon.ts";
import { orchestrationRoutes } from "./routes/orchestration.ts";
import { runRoutes } from "./routes/runs.ts";
import { sessionRoutes } from "./routes/sessions.ts";
import { streamTicketRoutes } from "./routes/stream-tickets.ts";

/** Paths that answer while storage is failing (they report the failure). */
const DIAGNOSTIC_PATHS: ReadonlySet<string> = new Set(["/health", "/daemon/status"]);

/** Paths that never need a token. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(["/health"]);

/**
 * Wire the Koa app: errors -> origin/host guard -> auth -> body -> routes (core's and plugins').
 * Auth comes before the body so an unauthenticated client is refused before the daemon waits for
 * a byte of it. Core routes are added to the same router plugins use, so a plugin route gets the
 * same guard, auth, validation and error shape.
 */
export function buildHttpApp(gateway: Gateway): void {
  const { app, router, log } = gateway;
  app.proxy = false;
  app.silent = true; // errors are mapped by errorMiddleware; stream disconnects are not errors
  app.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "ERR_STREAM_PREMATURE_CLOSE" || err.code === "ECONNRESET" || err.code === "EPIPE") return;
    log.warn("http error", { err: String(err) });
  });
  daemonRoutes(router, gateway);
  sessionRoutes(router, gateway);
  runRoutes(router, gateway);
  orchestrationRoutes(router, gateway);
  streamTicketRoutes(router, gateway);
  app.use(requestIds(log, gateway.config.logLevel === "debug"));
  app.use(errorMiddleware(log));
  app.use(requestGuardMiddleware(gateway));
  app.use(authMiddleware(gateway.auth, new Set([...PUBLIC_PATHS, ...gateway.publicPaths])));
  app.use(jsonBody(gateway.config.maxBodyBytes));
  app.use(durableReads(gateway.storage, DIAGNOSTIC_PATHS));
  app.use(router.routes());
}
