import { definePlugin, Type, VERSION, type Gateway } from "@agentd/core";
import { loadAssets, type Asset, type ConsoleAssets } from "./build.ts";
import { consoleHtml, SECURITY_HEADERS } from "./page.ts";

export const CONSOLE_PATH = "/console";

/** The parts of Koa's context the handlers use (the plugin needs no Koa import). */
interface Context {
  set(fields: Record<string, string>): void;
  set(field: string, value: string): void;
  acceptsEncodings(...encodings: string[]): string | false;
  type: string;
  body: unknown;
}

/**
 * The web console: a Preact app served at /console (and / redirects there). Only its static
 * files are public; everything it shows comes from the same REST API and /stream every client
 * uses, with the token the person pastes in (kept in sessionStorage, sent as a bearer header).
 */
export default definePlugin({
  name: "console-web",
  version: "0.1.0",
  description: "The web console at /console (sessions, live timeline, escalations inbox, agent tree, daemon status)",
  configSchema: Type.Object({ disabled: Type.Boolean({ default: false }) }, { additionalProperties: false }),
  options: [{ flag: "--no-console", env: ["AGENTD_NO_CONSOLE"], key: "disabled", type: "boolean", description: "do not serve the web console at /console" }],
  apply(gateway, config) {
    if (config.disabled) return;
    serveConsole(gateway);
  },
});

function serveConsole(gateway: Gateway): void {
  let assets: Promise<ConsoleAssets> | null = null;
  // Built (or read from dist/) on the first request, not at boot: daemons nobody browses pay nothing.
  const ready = (): Promise<ConsoleAssets> =>
    (assets ??= loadAssets().then(
      (a) => {
        gateway.log.info("console assets ready", { origin: a.origin, ms: Math.round(a.ms), js_gzip_bytes: a.js.gzip.length, source_hash: a.sourceHash });
        return a;
      },
      (err: unknown) => {
        assets = null; // retry on the next request
        throw err;
      },
    ));

  const send = (ctx: Context, a: Asset, cache: string): void => {
    ctx.set(SECURITY_HEADERS);
    ctx.set("Cache-Control", cache);
    ctx.set("Vary", "Accept-Encoding");
    ctx.type = a.contentType;
    if (ctx.acceptsEncodings("gzip", "identity") === "gzip") {
      ctx.set("Content-Encoding", "gzip");
      ctx.body = a.gzip;
    } else ctx.body = a.body;
  };

  const html = (ctx: Context, hash: string): void => {
    ctx.set(SECURITY_HEADERS);
    ctx.set("Cache-Control", "no-cache");
    ctx.type = "text/html; charset=utf-8";
    ctx.body = consoleHtml(CONSOLE_PATH, `${VERSION}-${hash}`);
  };

  const paths = ["/", CONSOLE_PATH, `${CONSOLE_PATH}/`, `${CONSOLE_PATH}/app.js`, `${CONSOLE_PATH}/app.css`];
  for (const p of paths) gateway.publicPaths.add(p);
  gateway.pages.set("console", CONSOLE_PATH);

  gateway.router.get("/", (ctx) => ctx.redirect(CONSOLE_PATH));
  gateway.router.get(`${CONSOLE_PATH}/`, (ctx) => ctx.redirect(CONSOLE_PATH));
  gateway.router.get(CONSOLE_PATH, async (ctx) => html(ctx, (await ready()).sourceHash));
  // The script and stylesheet URLs carry the source hash, so they may be cached for long.
  gateway.router.get(`${CONSOLE_PATH}/app.js`, async (ctx) => send(ctx, (await ready()).js, "public, max-age=31536000, immutable"));
  gateway.router.get(`${CONSOLE_PATH}/app.css`, async (ctx) => send(ctx, (await ready()).css, "public, max-age=31536000, immutable"));
}
