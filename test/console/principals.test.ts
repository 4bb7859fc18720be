// The console as different principals and at the edges of the log, in Debian's chromium: a real
// run token (read from a running run) sees only its own session tree and is refused the rest with
// a clear message; an admin sees everything and the full daemon page; native approvals are
// answered from the inbox (GET /escalations); list statuses come from GET /sessions' latest_run
// even for runs older than the replayed window; and a replay window older than retention (410
// cursor_expired) makes the console follow from now and say so.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { api, startDaemon, tempDir, until, type DaemonHandle } from "../support/daemon.ts";
import { BURST_PLUGIN, CONSOLE_PLUGIN, TOKEN, VIEWPORTS, browserRequired, launch, newSession, shot } from "./support.ts";

const ADMIN = "console-admin-token-01";
const APPROVAL_PLUGIN = "./test/fixtures/plugins/approval-provider.ts";
const ARGS = ["--plugin", CONSOLE_PLUGIN, "--plugin", BURST_PLUGIN, "--plugin", APPROVAL_PLUGIN, "--auth-token", TOKEN, "--admin-token", ADMIN];

async function pageAs(browser: Browser, token: string, problems: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  await page.addInitScript((t) => sessionStorage.setItem("agentd.console.token", t), token);
  return page;
}

async function send(url: string, sessionId: string, text: string): Promise<string> {
  const r = await api(url, TOKEN).post(`/sessions/${sessionId}/messages`, { text, idempotency_key: `k-${Math.random()}` });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.run.id as string;
}

const rowStatus = (page: Page, sessionId: string) => page.locator(`[data-session="${sessionId}"] .status`);

describe("console principals and log edges (chromium)", browserRequired(), () => {
  let d: DaemonHandle;
  let browser: Browser;
  before(async () => {
    d = await startDaemon({ args: ARGS });
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await d?.stop();
  });

  test("a run token sees only its session tree; what it may not do fails with a clear message", async () => {
    const dir = tempDir("agentd-console-runtoken-");
    const mine = await newSession(d.url, "console-test", "run-token tree");
    const other = await newSession(d.url, "console-test", "not for the run token");
    const runId = await send(d.url, mine, `expose-token ${dir}`);
    const runToken = await until(() => existsSync(join(dir, "token")) && readFileSync(join(dir, "token"), "utf8"), 10_000, "the run to expose its token");
    assert.ok(runToken && runToken !== TOKEN);

    const problems: string[] = [];
    const page = await pageAs(browser, runToken, problems);
    await page.goto(`${d.url}/console`);
    await page.waitForSelector(`[data-session="${mine}"]`);
    assert.equal(await page.locator(`[data-session="${other}"]`).count(), 0, "another session of the same owner is not shown");
    assert.match(await page.locator('[data-testid="session-count"]').innerText(), /^1 of 1 loaded/);
    assert.equal(await rowStatus(page, mine).textContent(), "running");

    // Creating a session is refused, and says why.
    await page.click("text=Create session");
    await page.waitForSelector('form.create [role="alert"]:has-text("run tokens may only")');

    // Its own session streams; sending there is refused with the reason, and no Retry is offered.
    await page.click(`[data-session="${mine}"]`);
    await page.waitForSelector('[data-testid="stream-state"]:has-text("live over SSE")');
    await page.fill('textarea[aria-label="message"]', "may I?");
    await page.keyboard.press("Enter");
    await page.waitForSelector('form.composer [role="alert"]:has-text("Not sent:")');
    assert.match(await page.locator('form.composer [role="alert"]').innerText(), /needs the session owner's token/);
    assert.equal(await page.locator("form.composer >> text=Retry").count(), 0);

    // Another session's page is a plain "not found", not a broken page.
    await page.goto(`${d.url}/console#/s/${other}`);
    await page.waitForSelector('[role="alert"]:has-text("not found")');

    // The daemon page is the reduced one.
    await page.goto(`${d.url}/console#/daemon`);
    await page.waitForSelector('[data-testid="daemon-detail"]');
    assert.equal(await page.locator("h2", { hasText: "Plugins" }).count(), 0);

    writeFileSync(join(dir, "gate"), "");
    const done = await api(d.url, TOKEN).get(`/runs/${runId}/wait?timeout_s=20`);
    assert.equal(done.body.run.status, "completed");
    // The run is over, so is its token: a reload asks to sign in again, saying why.
    await page.reload();
    await page.waitForSelector('[role="alert"]:has-text("Your saved token was refused")');
    await page.waitForSelector("#token");
    assert.deepEqual(problems, []);
    await page.close();
  });

  test("an admin sees every session and the full daemon page", async () => {
    const a = await newSession(d.url, "console-test", "owned by the operator");
    const problems: string[] = [];
    const page = await pageAs(browser, ADMIN, problems);
    await page.goto(`${d.url}/console`);
    await page.waitForSelector(`[data-session="${a}"]`);
    await page.goto(`${d.url}/console#/daemon`);
    await page.waitForSelector("h2:has-text('Plugins')");
    await page.waitForSelector("h2:has-text('Storage')");
    assert.equal(await page.locator('[data-testid="daemon-detail"]').count(), 0, "no reduced-status note for an admin");
    assert.ok(await page.locator("text=test-console-provider").count(), "the plugins are listed");
    assert.deepEqual(problems, []);
    await page.close();
  });

  test("a native approval shows its command and is approved for the session from the inbox", async () => {
    const sid = await newSession(d.url, "asker", "native approval");
    const runId = await send(d.url, sid, "rm -rf ./build-cache");
    const problems: string[] = [];
    const page = await pageAs(browser, TOKEN, problems);
    await page.goto(`${d.url}/console#/inbox`);
    const card = page.locator('.escalation[data-origin="native_approval"]', { hasText: "rm -rf ./build-cache" });
    await card.waitFor();
    assert.equal(await card.locator("button", { hasText: "Answer" }).count(), 0, "a native approval takes no free-text answer");
    await shot(page, "inbox-native", "desktop");
    await page.setViewportSize(VIEWPORTS.phone);
    await shot(page, "inbox-native", "phone");
    await card.locator("button", { hasText: "Approve for session" }).click();
    await card.waitFor({ state: "detached" });
    const done = await api(d.url, TOKEN).get(`/runs/${runId}/wait?timeout_s=20`);
    assert.equal(done.body.run.status, "completed");
    assert.match(done.body.run.output, /^approve_for_session by /);
    const [esc] = (await api(d.url, TOKEN).get("/escalations?status=resolved")).body.escalations.filter((e: { child_run_id: string }) => e.child_run_id === runId);
    assert.equal(esc.decision, "approve_for_session");
    assert.deepEqual(problems, []);
    await page.close();
  });

  test("list statuses outlive the replay window; a window older than retention follows from now and says so", async () => {
    const dataDir = tempDir("agentd-console-retention-");
    let d2 = await startDaemon({ args: ARGS, dataDir });
    try {
      const old = await newSession(d2.url, "console-test", "an old run");
      const runId = await send(d2.url, old, "hello");
      assert.equal((await api(d2.url, TOKEN).get(`/runs/${runId}/wait?timeout_s=20`)).body.run.status, "completed");
      // More events after it than the console replays (2,000): its run events are out of the window.
      const noisy = await newSession(d2.url, "console-test", "noisy");
      const burst = await api(d2.url, TOKEN).post("/test/burst", { session_id: noisy, count: 2500, per_tx: 500 });
      assert.equal(burst.status, 201, JSON.stringify(burst.body));
      const lastAt = Date.now(); // every event so far was written before this

      const problems: string[] = [];
      let page = await pageAs(browser, TOKEN, problems);
      await page.goto(`${d2.url}/console`);
      await page.waitForSelector(`[data-session="${old}"]`);
      assert.equal(await rowStatus(page, old).textContent(), "completed", "from GET /sessions' latest_run, not the replayed window");
      await page.close();

      // Restart with a retention that deletes every event: the window's cursor is now expired.
      await d2.stop();
      await until(() => Date.now() > lastAt + 1000, 5_000, "the old events to be past retention");
      d2 = await startDaemon({ args: [...ARGS, "--event-retention-days", "0.00001"], dataDir });
      await until(() => /event retention deleted old events/.test(d2.logs()), 10_000, "retention to run at start-up");
      // A few new events: the replay window (last_seq - 2,000) now starts inside the deleted range.
      assert.equal((await api(d2.url, TOKEN).post("/test/burst", { session_id: noisy, count: 500, per_tx: 500 })).status, 201);
      page = await pageAs(browser, TOKEN, problems);
      await page.goto(`${d2.url}/console`);
      await page.waitForSelector(`[data-session="${old}"]`);
      await page.waitForSelector('[data-testid="stream-notice"]:has-text("410 cursor_expired")');
      await page.waitForSelector('header .conn[data-status="open"]');
      assert.equal(await rowStatus(page, old).textContent(), "completed");
      await page.close();
      assert.deepEqual(problems, []);
    } finally {
      await d2.stop();
    }
  });
});
