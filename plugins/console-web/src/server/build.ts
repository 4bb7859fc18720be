/**
 * Bundles the console (web/) for browsers with esbuild: one minified ESM script (Preact, the app,
 * and the project's client SDK) and one stylesheet, each also gzipped. `npm install` builds them
 * into dist/ (the root `prepare` script); the plugin rebuilds in memory when dist/ is missing or
 * was built from other sources (a source hash decides), so a checkout never serves a stale console.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";

const PLUGIN_DIR = resolve(import.meta.dirname, "..", "..");
export const WEB_DIR = join(PLUGIN_DIR, "web");
export const DIST_DIR = join(PLUGIN_DIR, "dist");
const CLIENT_DIR = resolve(PLUGIN_DIR, "..", "..", "core", "src", "client");
const TYPES_FILE = resolve(CLIENT_DIR, "..", "types.ts");

export interface Asset {
  body: Buffer;
  gzip: Buffer;
  contentType: string;
}

export interface ConsoleAssets {
  js: Asset;
  css: Asset;
  sourceHash: string;
  /** How the assets were obtained, for the log: read from dist/ or built now. */
  origin: "dist" | "built";
  ms: number;
}

async function filesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)).sort();
}

/** A hash of every source the bundle is made of (web/, the client SDK, its types). */
export async function sourceHash(): Promise<string> {
  const files = [...(await filesIn(WEB_DIR)), ...(await filesIn(CLIENT_DIR)), TYPES_FILE];
  const h = createHash("sha256");
  for (const f of files) h.update(f.slice(PLUGIN_DIR.length)).update(await readFile(f));
  return h.digest("hex").slice(0, 16);
}

const asset = (body: Buffer, contentType: string): Asset => ({ body, gzip: gzipSync(body, { level: 9 }), contentType });

/** Run esbuild; nothing is written. */
export async function bundle(): Promise<{ js: Buffer; css: Buffer }> {
  // Imported lazily: a daemon whose dist/ is current never loads esbuild.
  const { build, stop } = await import("esbuild");
  const out = await build({
    entryPoints: [join(WEB_DIR, "main.tsx"), join(WEB_DIR, "styles.css")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    jsx: "automatic",
    jsxImportSource: "preact",
    // The SDK's Node-only paths (eventsource / ws packages) are never taken in a browser.
    external: ["eventsource", "ws"],
    define: { "process.env.NODE_ENV": '"production"' },
    legalComments: "none",
    outdir: "out",
    write: false,
  }).finally(() => stop()); // esbuild keeps a helper process alive for reuse: the daemon builds once
  const js = out.outputFiles.find((f) => f.path.endsWith(".js"));
  const css = out.outputFiles.find((f) => f.path.endsWith(".css"));
  if (!js || !css) throw new Error("esbuild produced no console script or stylesheet");
  return { js: Buffer.from(js.contents), css: Buffer.from(css.contents) };
}

/** Build and write dist/ (the install step). */
export async function buildToDist(): Promise<ConsoleAssets> {
  const started = performance.now();
  const [hash, { js, css }] = await Promise.all([sourceHash(), bundle()]);
  await mkdir(DIST_DIR, { recursive: true });
  await Promise.all([writeFile(join(DIST_DIR, "app.js"), js), writeFile(join(DIST_DIR, "app.css"), css), writeFile(join(DIST_DIR, "source-hash"), hash)]);
  return { js: asset(js, "text/javascript; charset=utf-8"), css: asset(css, "text/css; charset=utf-8"), sourceHash: hash, origin: "built", ms: performance.now() - started };
}

/** dist/ when it matches the sources, else a fresh in-memory build (written to dist/ when possible). */
export async function loadAssets(): Promise<ConsoleAssets> {
  const started = performance.now();
  const hash = await sourceHash();
  const built = await readFile(join(DIST_DIR, "source-hash"), "utf8").catch(() => "");
  if (built.trim() === hash) {
    const [js, css] = await Promise.all([readFile(join(DIST_DIR, "app.js")), readFile(join(DIST_DIR, "app.css"))]);
    return { js: asset(js, "text/javascript; charset=utf-8"), css: asset(css, "text/css; charset=utf-8"), sourceHash: hash, origin: "dist", ms: performance.now() - started };
  }
  return buildToDist().catch(async () => {
    // A read-only install directory: serve from memory.
    const { js, css } = await bundle();
    return { js: asset(js, "text/javascript; charset=utf-8"), css: asset(css, "text/css; charset=utf-8"), sourceHash: hash, origin: "built" as const, ms: performance.now() - started };
  });
}
