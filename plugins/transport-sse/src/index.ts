import { AgentdError, definePlugin, PluginError, resolveStreamRequest, STREAM_PATH, StreamQuery, Type, validateQuery, type AgentdState } from "@agentd/core";
import { SseConnection } from "./sse-connection.ts";

/**
 * Server-Sent Events on `GET /stream` (`Accept: text/event-stream`). Replay from the cursor,
 * then live, with no gap or duplicate (core's EventFeed); protocol in docs/api-contract.md.
 */
export default definePlugin({
  name: "transport-sse",
  version: "0.1.0",
  description: "Server-Sent Events on GET /stream with cursor resume (Last-Event-ID)",
  configSchema: Type.Object(
    {
      heartbeatMs: Type.Integer({ minimum: 50, default: 15_000 }),
      retryMs: Type.Integer({ minimum: 0, default: 2_000 }),
      maxBufferBytes: Type.Integer({ minimum: 1024, default: 1024 * 1024 }),
      allowOrigin: Type.String({ default: "" }),
    },
    { additionalProperties: false },
  ),
  options: [
    { flag: "--sse-heartbeat-ms", env: ["AGENTD_SSE_HEARTBEAT_MS"], key: "heartbeatMs", type: "number", description: "comment heartbeat interval on SSE streams (default 15000)" },
    { flag: "--sse-retry-ms", env: ["AGENTD_SSE_RETRY_MS"], key: "retryMs", type: "number", description: "the retry: delay sent to SSE clients (default 2000)" },
    { flag: "--sse-max-buffer-bytes", env: ["AGENTD_SSE_MAX_BUFFER_BYTES"], key: "maxBufferBytes", type: "number", description: "bytes queued for a slow SSE client before it is closed with event: overflow (default 1 MiB)" },
    { flag: "--sse-allow-origin", env: ["AGENTD_SSE_ALLOW_ORIGIN"], key: "allowOrigin", type: "string", description: "removed: use --allowed-origin (core), which covers every route" },
  ],
  apply(gateway, config) {
    // A wildcard here once let any web page read every transcript; CORS is now core's, per origin.
    if (config.allowOrigin) {
      throw new PluginError("transport-sse", `--sse-allow-origin (AGENTD_SSE_ALLOW_ORIGIN) was removed: list the web origins whose pages may use this daemon with --allowed-origin URL (repeatable); streams echo only those in Access-Control-Allow-Origin`);
    }
    const connections = new Set<SseConnection>();

    gateway.router.get(STREAM_PATH, (ctx) => {
      // Koa's router answers HEAD with the GET handler: a HEAD must not open a stream no one reads.
      if (ctx.method === "HEAD") throw new AgentdError("validation_error", "HEAD /stream cannot open a stream; send GET with 'Accept: text/event-stream'");
      const query = validateQuery(StreamQuery, ctx.query);
      if (!ctx.get("accept").includes("text/event-stream")) {
        throw new AgentdError("validation_error", "GET /stream serves Server-Sent Events: send 'Accept: text/event-stream', or upgrade to a WebSocket");
      }
      const request = resolveStreamRequest(gateway.services, (ctx.state as AgentdState).principal, query, ctx.get("last-event-id") || undefined);
      ctx.status = 200;
      ctx.respond = false; // we own the response from here on
      connections.add(new SseConnection(ctx.req, ctx.res, gateway.services.events, request, config, (c) => connections.delete(c)));
    });

    gateway.transports.register({
      name: "sse",
      describe: () => ({ path: STREAM_PATH, connections: connections.size, buffered_bytes: [...connections].reduce((n, c) => n + c.buffered, 0), heartbeat_ms: config.heartbeatMs, max_buffer_bytes: config.maxBufferBytes }),
      close: async () => {
        for (const c of [...connections]) c.end("shutdown");
      },
      // Not part of the Transport contract: lets operators (and tests) force clients to resume.
      dropConnections: (): number => {
        const n = connections.size;
        for (const c of [...connections]) c.end("dropped");
        return n;
      },
    } as { name: string; describe(): Record<string, unknown>; close(): Promise<void>; dropConnections(): number });
  },
});
