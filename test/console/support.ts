// Helpers for the console's browser tests: a daemon with the console test provider on a fixed
// port (so a kill -9 and restart keeps the URL), Debian's chromium through playwright-core, and
// page shortcuts. CI=true turns a missing chromium into a failure instead of a skip.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import type { AgentEvent } from "../../core/src/types.ts";
import { ROOT, api, startDaemon, tempDir, type DaemonHandle } from "../support/daemon.ts";

export const CHROMIUM = "/usr/bin/chromium";
export const TOKEN = "console-token-0001";
export const OTHER_TOKEN = "console-token-0002";
export const CONSOLE_PLUGIN = "./test/fixtures/plugins/console-provider.ts";
export const BURST_PLUGIN = "./test/fixtures/plugins/event-burst.ts";
export const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS === "1";
export const SHOT_DIR = join(ROOT, "docs", "console");
export const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
export type ViewportName = keyof typeof VIEWPORTS;

/** `describe` options: skip without chromium locally, fail in CI. */
export function browserRequired(): { skip: string | false } {
  if (existsSync(CHROMIUM)) return { skip: false };
  if (process.env.CI === "true") throw new Error(`${CHROMIUM} is missing and CI=true: the console's browser tests are required (apt-get install -y chromium)`);
  return { skip: `${CHROMIUM} is missing: apt-get install -y chromium` };
}

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export interface ConsoleDaemon {
  d: DaemonHandle;
  port: number;
  dataDir: string;
  restart(): Promise<void>;
}

export async function consoleDaemon(extra: string[] = []): Promise<ConsoleDaemon> {
  const port = await freePort();
  const dataDir = tempDir("agentd-console-");
  const args = ["--plugin", CONSOLE_PLUGIN, "--plugin", BURST_PLUGIN, "--auth-token", TOKEN, "--auth-token", OTHER_TOKEN, ...extra];
  const handle: ConsoleDaemon = {
    d: await startDaemon({ args, port, dataDir }),
    port,
    dataDir,
    async restart() {
      handle.d = await startDaemon({ args, port, dataDir });
    },
  };
  return handle;
}

export const client = (url: string) => api(url, TOKEN);

export async function newSession(url: string, provider = "console-test", title = "console test"): Promise<string> {
  const r = await client(url).post("/sessions", { provider, title });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.session.id as string;
}

/** Every event of a session from the REST API: what the timeline must show. */
export async function allSeqs(url: string, sessionId: string): Promise<number[]> {
  const seqs: number[] = [];
  for (let cursor = 0; ; ) {
    const r = await client(url).get(`/sessions/${sessionId}/events?cursor=${cursor}&limit=1000`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const events = r.body.events as AgentEvent[];
    seqs.push(...events.map((e) => e.seq));
    if (events.length < 1000) return seqs;
    cursor = events[events.length - 1].seq;
  }
}

/** Pages that skip the sign-in form: the token goes to sessionStorage before any script runs. */
export async function signedInPage(browser: Browser, viewport: ViewportName): Promise<Page> {
  const page = await browser.newPage({ viewport: VIEWPORTS[viewport] });
  await page.addInitScript((t) => sessionStorage.setItem("agentd.console.token", t), TOKEN);
  return page;
}

export const timelineSeqs = (page: Page): Promise<number[]> => page.evaluate(() => (globalThis as unknown as { agentdConsole: { timelineSeqs(): number[] } }).agentdConsole.timelineSeqs());

/** Switch a session view's tab (on a wide screen the chat is always shown). */
export async function tab(page: Page, name: "Chat" | "Timeline" | "Agents" | "Diagnose"): Promise<void> {
  const button = page.locator(".tabs .tab", { hasText: name });
  if (await button.isVisible()) await button.click();
}

export async function shot(page: Page, name: string, viewport: ViewportName, opts: { dark?: boolean } = {}): Promise<void> {
  if (!SCREENSHOTS) return;
  await page.screenshot({ path: join(SHOT_DIR, `${name}-${viewport}.png`) });
  if (opts.dark) {
    await page.emulateMedia({ colorScheme: "dark" });
    await page.screenshot({ path: join(SHOT_DIR, `${name}-dark-${viewport}.png`) });
    await page.emulateMedia({ colorScheme: "light" });
  }
}

/** The raw (still gzipped) bytes of a response: what actually goes over the wire. */
export function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes: Buffer.concat(chunks) }));
    })
      .on("error", reject)
      .end();
  });
}

