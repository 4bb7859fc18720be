import type { ServerResponse } from "node:http";
import { EventFeed, resolveStreamRequest, StreamQuery, validateQuery, type AgentdState, type Gateway } from "@agentd/core";

const PATH = "/shout/stream";

/**
 * A minimal transport: `GET /shout/stream?sessionId=&cursor=` streams events as JSON lines. Auth,
 * validation and ownership are core's (resolveStreamRequest); EventFeed does replay-then-live with
 * no gap or duplicate. The full-featured transports are plugins/transport-sse and transport-ws.
 */
export function registerNdjsonTransport(gateway: Gateway, maxBufferedBytes: number): void {
  const open = new Set<ServerResponse>();

  gateway.router.get(PATH, (ctx) => {
    const query = validateQuery(StreamQuery, ctx.query); // 400 on unknown parameters
    const request = resolveStreamRequest(gateway.services, (ctx.state as AgentdState).principal, query); // 404 / 400 / 410
    const res = ctx.res;
    ctx.respond = false; // this handler owns the response from here on
    res.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-cache" });
    open.add(res);
    // forRequest also wires the stream slot, run-token revocation and the daemon-wide buffer budget.
    const feed = EventFeed.forRequest(gateway.services.events, request, maxBufferedBytes, {
      send: (event) => void res.write(`${JSON.stringify(event)}\n`),
      buffered: () => (res.destroyed ? 0 : res.writableLength),
      drained: () => new Promise<void>((resolve) => (res.writableLength === 0 || res.destroyed ? resolve() : res.once("drain", () => resolve()))),
      overflow: () => res.end(), // the client resumes from the last seq it read
      revoked: () => res.end(), // the token is gone: the client needs new credentials
    });
    res.once("close", () => {
      open.delete(res);
      feed.dispose();
    });
    feed.start().catch(() => res.end());
  });

  gateway.transports.register({
    name: "shout-ndjson",
    describe: () => ({ path: PATH, connections: open.size }),
    close: async () => {
      for (const res of open) res.end();
    },
  });
}
