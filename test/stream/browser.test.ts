// A real browser: Debian's chromium (headless, driven by playwright-core) opens the example page,
// which follows a session with the SDK over SSE and over WS using single-use tickets. We check
// what the page shows after events, after server-side drops and after a client-side reconnect.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { serveExample, type ExampleServer } from "../../examples/browser-stream/src/serve.ts";
import { api, type DaemonHandle } from "../support/daemon.ts";
import { TOKEN_A, allSeqs, burst, newSession, streamDaemon } from "./support.ts";

const CHROMIUM = process.env.AGENTD_CHROMIUM ?? "/usr/bin/chromium";
/** CI (or AGENTD_REQUIRE_BROWSER=1) must run the browser test: a missing chromium fails it instead of skipping. */
const REQUIRED = (!!process.env.CI && !["false", "0"].includes(process.env.CI)) || process.env.AGENTD_REQUIRE_BROWSER === "1";
const MISSING = existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing: apt-get install -y chromium (or set AGENTD_CHROMIUM)`;

if (MISSING && REQUIRED) {
  test("chromium is installed (required: CI=true or AGENTD_REQUIRE_BROWSER=1)", () => assert.fail(MISSING));
}

async function shownSeqs(page: Page): Promise<number[]> {
  return page.$$eval("#events li", (items) => items.map((li) => Number((li as unknown as { dataset: { seq: string } }).dataset.seq)));
}

async function waitForCount(page: Page, n: number): Promise<void> {
  await page.waitForFunction((want) => Number((globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById("count").textContent) >= want, n, { timeout: 60_000 });
}

describe("browser (chromium + the example page)", { skip: MISSING ?? false }, () => {
  let d: DaemonHandle;
  let site: ExampleServer;
  let browser: Browser;

  before(async () => {
    // The page is served from another origin than the daemon's: it must be allowed explicitly.
    const siteOptions = { daemonUrl: "", token: TOKEN_A };
    site = await serveExample(siteOptions);
    d = await streamDaemon({ args: ["--allowed-origin", site.url] });
    siteOptions.daemonUrl = d.url;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    });
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await d?.stop();
  });

  for (const transport of ["sse", "ws"] as const) {
    test(`${transport}: the page shows every event once, across server drops and a client reconnect`, async () => {
      const sid = await newSession(d.url);
      await burst(d.url, sid, 5);
      const page = await browser.newPage();
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(e.message));
      await page.goto(`${site.url}/?daemon=${encodeURIComponent(d.url)}&session=${sid}&transport=${transport}&ticketUrl=/ticket`);
      await page.waitForSelector('#status[data-status="open"]', { timeout: 30_000 });
      await waitForCount(page, 6);

      await burst(d.url, sid, 20);
      await waitForCount(page, 26);

      // Server side: the daemon drops every stream; the page resumes with a fresh ticket.
      const dropped = await api(d.url, TOKEN_A).post("/test/drop-streams", {});
      assert.ok(dropped.body.dropped[transport] >= 1, JSON.stringify(dropped.body));
      await burst(d.url, sid, 10);
      await waitForCount(page, 36);

      // Client side: a forced reconnect while events keep coming.
      await page.evaluate(() => (globalThis as unknown as { agentdStream: { reconnect(): void } }).agentdStream.reconnect());
      await burst(d.url, sid, 10);
      await waitForCount(page, 46);

      const expected = await allSeqs(d.url, sid);
      assert.deepEqual(await shownSeqs(page), expected, "the page shows each event once, in order");
      assert.equal(await page.textContent("#status"), "open");
      assert.ok(Number(await page.textContent("#reconnects")) >= 2, "the page reconnected");
      assert.equal(await page.textContent("#cursor"), String(expected.at(-1)));
      assert.equal(await page.textContent("#error"), "");
      assert.deepEqual(pageErrors, []);
      await page.close();
    });
  }
});
