// What a newcomer gets from `npm start`: no tokens, so no sign-in; the default provider ("auto",
// the embedded runtime's offline model) answers a first message in the console.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { startDaemon, type DaemonHandle } from "../support/daemon.ts";
import { VIEWPORTS, browserRequired, launch } from "./support.ts";

describe("console in open local mode (chromium)", browserRequired(), () => {
  let d: DaemonHandle;
  let browser: Browser;
  before(async () => {
    d = await startDaemon();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await d?.stop();
  });

  test("no sign-in; create a session with the defaults and get the offline model's reply", async () => {
    const page = await browser.newPage({ viewport: VIEWPORTS.phone });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(d.url);
    await page.waitForSelector('[data-testid="session-count"]');
    assert.equal(await page.locator("#token").count(), 0, "no sign-in form without tokens");
    assert.equal(await page.locator("text=Sign out").count(), 0);
    await page.click("text=Create session");
    await page.waitForURL(/#\/s\/ses_/);
    await page.fill('textarea[aria-label="message"]', "Respond with exactly: hello from the console");
    await page.click('button:has-text("Send")');
    await page.waitForSelector(".msg.assistant .text >> text=hello from the console");
    await page.click("text=Daemon");
    await page.waitForSelector('[data-testid="daemon-health"]:has-text("Healthy")');
    assert.deepEqual(errors, []);
    await page.close();
  });
});
