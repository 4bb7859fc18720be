import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { AgentdError, definePlugin, guardRequest, isAgentdError, resolveStreamRequest, STREAM_PATH, StreamQuery, Type, validateQuery } from "@agentd/core";
import { WebSocketServer } from "ws";
import { CLOSE, WsConnection } from "./ws-connection.ts";

/**
 * WebSocket on `/stream` (upgrade). Origin and Host (core's guard: a browser sends Origin with
 * every WebSocket, and no CORS protects one), auth, validation and ownership are checked on the
 * HTTP upgrade request, so a refused client gets a real 401/403/400/404 response, never an open socket.
 */
export default definePlugin({
  name: "transport-ws",
  version: "0.1.0",
  description: "WebSocket on /stream with cursor resume, heartbeat and documented close codes",
  configSchema: Type.Object(
    {
      heartbeatMs: Type.Integer({ minimum: 50, default: 30_000 }),
      maxBufferBytes: Type.Integer({ minimum: 1024, default: 1024 * 1024 }),
    },
    { additionalProperties: false },
  ),
  options: [
    { flag: "--ws-heartbeat-ms", env: ["AGENTD_WS_HEARTBEAT_MS"], key: "heartbeatMs", type: "number", description: "ping interval; a peer that misses one ping is terminated (default 30000)" },
    { flag: "--ws-max-buffer-bytes", env: ["AGENTD_WS_MAX_BUFFER_BYTES"], key: "maxBufferBytes", type: "number", description: "bytes queued for a slow WebSocket client before it is closed with 4008 (default 1 MiB)" },
  ],
  apply(gateway, config) {
    const connections = new Set<WsConnection>();
    const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
    let heartbeat: NodeJS.Timeout | undefined;

    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      socket.on("error", () => undefined);
      const url = new URL(req.url ?? "/", "http://agentd.invalid");
      if (url.pathname !== STREAM_PATH) {
        // Another plugin may serve this path; answer only when nobody else listens.
        if (gateway.server.listenerCount("upgrade") === 1) refuse(socket, new AgentdError("not_found", `no WebSocket endpoint at ${url.pathname}; streams are at ${STREAM_PATH}`));
        return;
      }
      let request;
      try {
        guardRequest(gateway, req.headers);
        const query = validateQuery(StreamQuery, Object.fromEntries(url.searchParams));
        const principal = gateway.auth.fromStream(req.headers, query.ticket);
        request = resolveStreamRequest(gateway.services, principal, query);
      } catch (err) {
        refuse(socket, isAgentdError(err) ? err : new AgentdError("internal_error", "could not open the stream; the daemon log has the details"));
        if (!isAgentdError(err)) gateway.log.error("websocket upgrade failed", { err: String(err) });
        return;
      }
      // If the handshake never completes, the socket's close still frees the stream slot.
      socket.once("close", request.release);
      wss.handleUpgrade(req, socket, head, (ws) => {
        connections.add(new WsConnection(ws, gateway.services.events, request, config, (c) => connections.delete(c)));
      });
    };

    gateway.hooks.gatewayStart.tap("transport-ws", () => {
      gateway.server.on("upgrade", onUpgrade);
      heartbeat = setInterval(() => {
        for (const c of connections) if (!c.heartbeat()) connections.delete(c);
      }, config.heartbeatMs);
      heartbeat.unref();
    });

    gateway.transports.register({
      name: "ws",
      describe: () => ({ path: STREAM_PATH, connections: connections.size, buffered_bytes: [...connections].reduce((n, c) => n + c.buffered, 0), heartbeat_ms: config.heartbeatMs, max_buffer_bytes: config.maxBufferBytes }),
      close: async () => {
        clearInterval(heartbeat);
        gateway.server.off("upgrade", onUpgrade);
        for (const c of [...connections]) c.close(CLOSE.shutdown);
      },
      // Not part of the Transport contract: lets operators (and tests) force clients to resume.
      dropConnections: (): number => {
        const n = connections.size;
        for (const c of [...connections]) c.close(CLOSE.dropped);
        return n;
      },
    } as { name: string; describe(): Record<string, unknown>; close(): Promise<void>; dropConnections(): number });
  },
});

/** Answer an upgrade with a plain HTTP error (the same JSON body as the REST API) and hang up. */
function refuse(socket: Duplex, err: AgentdError): void {
  const body = JSON.stringify(err.toJSON());
  socket.end(
    `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? "Error"}\r\n` +
      "Content-Type: application/json; charset=utf-8\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      (err.status === 401 ? 'WWW-Authenticate: Bearer realm="agentd"\r\n' : "") +
      "Connection: close\r\n\r\n" +
      body,
  );
  // end() only half-closes: a peer that never closes its side would keep the descriptor.
  setTimeout(() => socket.destroy(), 1_000).unref();
}
