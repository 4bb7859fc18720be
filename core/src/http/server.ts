import { readFileSync } from "node:fs";
import { createServer, type RequestListener, type Server } from "node:http";
import type { Socket } from "node:net";
import { isLoopbackHost } from "../kernel/loopback.ts";
import type { Logger } from "../providers/types.ts";
import { answerClientErrors } from "./client-errors.ts";

export interface ServerLimits {
  /** The request line and headers must arrive within this. */
  headersTimeoutMs: number;
  /** The whole request, headers and body, must arrive within this. Responses (streams, long-polls) are not limited. */
  requestTimeoutMs: number;
  /** Open connections in total; 0 derives it from the open-file limit. */
  maxConnections: number;
  maxConnectionsPerIp: number;
}

/** Beyond the total cap, loopback peers holding fewer than RESERVE_PER_PEER connections still get in, up to this many. */
const LOOPBACK_RESERVE = 16;
const RESERVE_PER_PEER = 4;
const WARN_EVERY_MS = 60_000;

/** The soft open-file limit (`ulimit -n`), from /proc on Linux; null elsewhere. */
export function openFileLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    if (!m) return null;
    return m[1] === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(m[1]);
  } catch {
    return null;
  }
}

/**
 * Connections that fit the open-file limit with room for the database, logs and runs' pipes:
 * 1,024 files give 736 connections. A socket past the limit would make accept() fail for every
 * client, /health included.
 */
export function defaultMaxConnections(limit = openFileLimit()): number {
  return Math.min(16_384, Math.max(32, Math.floor((limit ?? 1024) * 0.75) - 32));
}

/**
 * The daemon's HTTP server: header and request timeouts (Node stops counting once a request is
 * read, so SSE, WebSocket and long-poll responses are not cut), and connection caps.
 */
export function createHttpServer(listener: RequestListener, limits: ServerLimits, log: Logger): Server {
  // Node refuses a headers timeout longer than the request timeout, which covers the headers too.
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  const server = createServer(
    {
      headersTimeout,
      requestTimeout: limits.requestTimeoutMs,
      // How often Node checks those timeouts (its default, 30 s, would let them overrun by as much).
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(headersTimeout / 4))),
      keepAliveTimeout: 65_000,
    },
    listener,
  );
  limitConnections(server, limits.maxConnections || defaultMaxConnections(), limits.maxConnectionsPerIp, log);
  answerClientErrors(server);
  return server;
}

/**
 * Over a cap a new socket is destroyed at once, before it costs a parser or a timer. Loopback
 * keeps a small reserve past the total cap, so an operator's `curl /health` on the host still
 * answers while remote clients hold every slot.
 */
function limitConnections(server: Server, max: number, perIp: number, log: Logger): void {
  let total = 0;
  const byIp = new Map<string, number>();
  let refused = 0;
  let lastWarn = 0;
  server.on("connection", (socket: Socket) => {
    const ip = socket.remoteAddress ?? "";
    const mine = byIp.get(ip) ?? 0;
    const fits = mine < perIp && (total < max || (mine < RESERVE_PER_PEER && total < max + LOOPBACK_RESERVE && isLoopbackHost(ip)));
    if (!fits) {
      socket.destroy();
      refused++;
      const now = Date.now();
      if (now - lastWarn >= WARN_EVERY_MS) {
        log.warn("refused connections over the cap", {
          refused,
          open: total,
          max_connections: max,
          max_connections_per_ip: perIp,
          last_peer: ip,
          hint: "if these clients are legitimate, raise --max-connections / --max-connections-per-ip (and ulimit -n)",
        });
        lastWarn = now;
        refused = 0;
      }
      return;
    }
    total++;
    byIp.set(ip, mine + 1);
    socket.once("close", () => {
      total--;
      const left = (byIp.get(ip) ?? 1) - 1;
      if (left > 0) byIp.set(ip, left);
      else byIp.delete(ip);
    });
  });
}
