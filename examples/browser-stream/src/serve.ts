// Serves the example page, its script bundled with esbuild, and a ticket endpoint that trades the
// daemon token (held here, server side) for single-use stream tickets. Used by the browser test;
// run it by hand (the daemon started with --allowed-origin http://127.0.0.1:8080) with:
//   node --import tsx examples/browser-stream/src/serve.ts --port 8080 --daemon http://127.0.0.1:8765 --token T
// then open the printed URL with ?session=<id>&transport=sse|ws.
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const here = join(import.meta.dirname, "..");

export interface ExampleServer {
  url: string;
  close(): Promise<void>;
}

/** Bundle the page script for browsers; eventsource/ws are Node-only paths the browser never takes. */
export async function bundleApp(): Promise<string> {
  const out = await build({
    entryPoints: [join(here, "src", "app.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    external: ["eventsource", "ws"],
    write: false,
  });
  return out.outputFiles[0].text;
}

export async function serveExample(opts: { daemonUrl: string; token?: string; port?: number }): Promise<ExampleServer> {
  const [html, js] = await Promise.all([readFile(join(here, "index.html"), "utf8"), bundleApp()]);
  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/" || path === "/index.html") return void res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html);
    if (path === "/app.js") return void res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" }).end(js);
    if (path === "/ticket" && req.method === "POST") {
      const upstream = await fetch(`${opts.daemonUrl}/stream/tickets`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
        body: "{}",
      });
      return void res.writeHead(upstream.status, { "content-type": "application/json" }).end(await upstream.text());
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

if (process.argv[1] === import.meta.filename) {
  const { values } = parseArgs({ options: { daemon: { type: "string", default: "http://127.0.0.1:8765" }, token: { type: "string" }, port: { type: "string", default: "0" } } });
  const s = await serveExample({ daemonUrl: values.daemon!, token: values.token ?? process.env.AGENTD_AUTH_TOKEN, port: Number(values.port) });
  console.log(`open ${s.url}/?daemon=${encodeURIComponent(values.daemon!)}&ticketUrl=/ticket&transport=sse&session=<session id>`);
}
