// The console end to end in Debian's chromium, at desktop and phone widths: sign in, create a
// session, send and watch the reply stream, open a tool call, cancel a slow run, prove model and
// tool output never runs as HTML, answer a child's escalation from the inbox, see the agent tree
// live, the daemon page, and a kill -9 + restart mid-stream after which the timeline holds exactly
// the session's events (no loss, no duplicate). CONSOLE_SCREENSHOTS=1 also writes docs/console/*.png.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { until } from "../support/daemon.ts";
import { XSS_PAYLOADS } from "../fixtures/plugins/console-provider.ts";
import { OTHER_TOKEN, TOKEN, VIEWPORTS, allSeqs, browserRequired, client, consoleDaemon, newSession, shot, signedInPage, tab, timelineSeqs, launch, type ConsoleDaemon, type ViewportName } from "./support.ts";

const send = async (page: Page, text: string): Promise<void> => {
  await tab(page, "Chat");
  await page.fill('textarea[aria-label="message"]', text);
  await page.keyboard.press("Enter");
};

describe("console journey (chromium)", browserRequired(), () => {
  let cd: ConsoleDaemon;
  let browser: Browser;
  before(async () => {
    cd = await consoleDaemon();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await cd?.d.stop();
  });

  for (const viewport of Object.keys(VIEWPORTS) as ViewportName[]) {
    test(`${viewport}: sign in, create, send, stream, cancel, escalation, tree, daemon, restart`, async () => {
      const url = cd.d.url;
      const page = await browser.newPage({ viewport: VIEWPORTS[viewport] });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
      page.on("dialog", (d) => (problems.push(`dialog: ${d.message()}`), void d.dismiss()));
      page.on("request", (r) => requests.push(r.url()));

      // Sign in: / redirects to the console, which asks for a token.
      await page.goto(`${url}/`);
      assert.equal(new URL(page.url()).pathname, "/console");
      await page.waitForSelector("#token");
      await shot(page, "signin", viewport);
      await page.fill("#token", "wrong-token-000");
      await page.click("text=Sign in");
      await page.waitForSelector("text=The daemon refused this token");
      await page.fill("#token", TOKEN);
      await page.click("text=Sign in");
      await page.waitForSelector('[data-testid="session-count"]');
      assert.equal(await page.evaluate(() => sessionStorage.getItem("agentd.console.token")), TOKEN);

      // Create a session with a chosen provider.
      await page.fill('input[aria-label="title"]', `journey ${viewport}`);
      await page.selectOption('select[aria-label="provider"]', "console-test");
      await page.click("text=Create session");
      await page.waitForURL(/#\/s\/ses_/);
      const sid = decodeURIComponent(/#\/s\/([^/]+)/.exec(page.url())![1]);
      assert.equal((await client(url).get(`/sessions/${sid}`)).body.session.provider, "console-test");
      await page.waitForSelector('[data-testid="stream-state"]:has-text("live over SSE")');

      // Send; the reply streams in (deltas) before the final message lands.
      await send(page, "stream 80");
      await page.waitForSelector(".msg.user >> text=stream 80");
      await page.waitForSelector("[data-streaming] .text >> text=chunk3");
      await page.waitForSelector(".msg.assistant:not(.streaming) .text >> text=chunk79");
      assert.equal(await page.locator("[data-streaming]").count(), 0, "the streaming bubble gives way to the stored reply");
      await shot(page, "session-chat", viewport, { dark: true });

      // Tool calls open to show their output.
      await tab(page, "Timeline");
      await page.click(".ev.tool button.toggle");
      await page.waitForSelector('.ev-detail pre >> text="words": 80');
      await shot(page, "session-timeline", viewport);

      // Cancel a slow run.
      await send(page, "hold");
      await page.waitForSelector('[data-testid="run-status"]:has-text("running")');
      await page.click("text=Cancel run");
      await tab(page, "Timeline");
      await page.waitForSelector(".ev .type >> text=run.canceled");
      await until(async () => (await client(url).get(`/sessions/${sid}/events?limit=1000`)).body.events.some((e: { event_type: string }) => e.event_type === "run.canceled"), 10_000, "run.canceled");
      await tab(page, "Diagnose");
      await page.waitForSelector('[data-testid="likely-issue"]');
      await page.waitForSelector(".facts dd >> text=canceled");
      await shot(page, "diagnose", viewport);

      // Model and tool output is text: the payloads show literally and nothing executes.
      await send(page, "xss");
      await page.waitForSelector(`.msg.assistant .text >> text=${XSS_PAYLOADS[1]}`);
      await tab(page, "Timeline");
      await page.locator(".ev.tool button.toggle").last().click();
      await page.waitForSelector(`.ev-detail pre >> text=onerror`);
      assert.equal(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), undefined);
      assert.equal(await page.locator(".transcript img, .transcript svg, .transcript script, .vlist img, .vlist svg").count(), 0);

      // A child escalates: the inbox badge appears, one click approves, the tree shows the agents.
      await page.goto(`${url}/console#/sessions`);
      await page.fill('input[aria-label="title"]', `tree ${viewport}`);
      await page.selectOption('select[aria-label="provider"]', "console-test");
      await page.click("text=Create session");
      await page.waitForURL(/#\/s\/ses_/);
      const parent = decodeURIComponent(/#\/s\/([^/]+)/.exec(page.url())![1]);
      await page.waitForSelector('[data-testid="stream-state"]:has-text("live")');
      await send(page, "spawn-tree");
      await page.waitForSelector('[data-testid="inbox-badge"].new');
      await tab(page, "Agents");
      await page.waitForFunction(() => document.querySelectorAll("[data-tree-session]").length >= 2, undefined, { timeout: 30_000 });
      await page.click("text=Inbox");
      const card = page.locator(".escalation", { hasText: "Need approval to run: rm -rf ./tmp-cache" });
      await card.waitFor();
      await shot(page, "inbox", viewport);
      // Desktop approves in one click; the phone answers with text.
      if (viewport === "desktop") await card.locator("text=Approve").click();
      else {
        await card.locator("input").fill("use ./tmp-cache-2 instead");
        await card.locator("text=Answer").click();
      }
      await card.waitFor({ state: "detached" });
      const [esc] = (await client(url).get(`/sessions/${parent}/escalations`)).body.escalations;
      assert.equal(esc.status, "resolved");
      assert.equal(esc.decision, viewport === "desktop" ? "approve" : "answer");
      if (viewport === "phone") assert.equal(esc.decision_text, "use ./tmp-cache-2 instead");
      // The child runs again with the decision; the tree follows it live.
      await page.goto(`${url}/console#/s/${parent}`);
      await tab(page, "Agents");
      await page.waitForSelector(`[data-tree-session="${esc.child_session_id}"] > .status.completed`, { timeout: 30_000 });
      await page.waitForSelector(`[data-tree-session="${esc.child_session_id}"] [data-tree-session] .status.running`);
      await shot(page, "agents", viewport);
      await tab(page, "Chat");
      await page.click("text=Cancel run"); // cascades to the child tree

      await page.click("text=Daemon");
      await page.waitForSelector('[data-testid="daemon-health"]:has-text("Healthy")');
      // A user token sees the reduced status (plugins, paths and storage are admin detail).
      await page.waitForSelector('[data-testid="daemon-detail"]');
      await page.waitForSelector('table[aria-label="providers"] >> text=embedded');
      await shot(page, "daemon", viewport);
      await page.click("text=Sessions");
      await page.waitForSelector(`[data-session="${parent}"]`);
      await shot(page, "sessions", viewport);

      // kill -9 and restart mid-stream: the timeline resumes after the last seq it had.
      const busy = await newSession(url);
      await page.goto(`${url}/console#/s/${busy}`);
      await page.waitForSelector('[data-testid="stream-state"]:has-text("live")');
      await send(page, "ticker");
      await page.waitForFunction(() => document.querySelectorAll(".msg.streaming").length === 1 && (document.querySelector(".msg.streaming .text")?.textContent ?? "").includes("t10 "));
      await cd.d.kill9();
      await page.waitForSelector('[data-testid="stream-state"]:has-text("reconnecting")');
      await cd.restart();
      await page.waitForSelector('[data-testid="stream-state"]:has-text("resumed after seq")', { timeout: 30_000 });
      await tab(page, "Timeline");
      await page.waitForSelector(".ev .type >> text=run.failed", { timeout: 30_000 });
      const truth = await allSeqs(cd.d.url, busy);
      await until(async () => (await timelineSeqs(page)).at(-1) === truth.at(-1), 10_000, "timeline caught up");
      assert.deepEqual(await timelineSeqs(page), truth, "the timeline holds every event of the session once, in order");

      assert.deepEqual(problems, []);
      assert.ok(!requests.some((r) => r.includes(TOKEN)), "the token never appears in a URL");
      assert.ok(!cd.d.logs().includes(TOKEN), "the token never appears in the daemon log");
      await page.close();
    });
  }

  test("websocket transport: the toggle switches the live stream, a dropped stream resumes, nothing repeats", async () => {
    const url = cd.d.url;
    const sid = await newSession(url);
    const page = await signedInPage(browser, "desktop");
    await page.goto(`${url}/console#/s/${sid}`);
    await page.waitForSelector('[data-testid="stream-state"]:has-text("live over SSE")');
    await send(page, "stream 5");
    await page.waitForSelector(".msg.assistant:not(.streaming) .text >> text=chunk4");
    await page.selectOption('select[aria-label="stream transport"]', "ws");
    await page.waitForSelector('[data-testid="stream-state"]:has-text("live over WebSocket")');
    // A network drop (the daemon drops every stream): the page resumes after its last seq.
    const dropped = await client(url).post("/test/drop-streams", {});
    assert.ok(dropped.body.dropped.ws >= 1, JSON.stringify(dropped.body));
    await page.waitForSelector('[data-testid="stream-state"]:has-text("live over WebSocket · resumed after seq")');
    await send(page, "stream 6");
    await page.waitForSelector(".msg.assistant:not(.streaming) .text >> text=chunk5");
    const truth = await allSeqs(url, sid);
    await until(async () => (await timelineSeqs(page)).at(-1) === truth.at(-1), 10_000, "timeline caught up");
    assert.deepEqual(await timelineSeqs(page), truth);
    assert.equal(await page.evaluate(() => sessionStorage.getItem("agentd.console.transport")), "ws");
    await page.close();
  });

  test("keyboard only: sign in, open a session, send", async () => {
    const url = cd.d.url;
    const sid = await newSession(url, "console-test", "keyboard session");
    const page = await browser.newPage({ viewport: VIEWPORTS.phone });
    await page.goto(`${url}/console`);
    await page.waitForSelector("#token:focus"); // autofocus
    await page.keyboard.type(TOKEN);
    await page.keyboard.press("Enter");
    await page.waitForSelector('[data-testid="session-count"]');
    const focused = async (): Promise<string | null> => page.evaluate(() => document.activeElement?.getAttribute("data-session") ?? null);
    for (let i = 0; i < 40 && (await focused()) !== sid; i++) await page.keyboard.press("Tab");
    assert.equal(await focused(), sid, "Tab reaches the session row");
    await page.keyboard.press("Enter");
    await page.waitForURL(new RegExp(`#/s/${sid}`));
    await page.waitForSelector('[data-testid="stream-state"]:has-text("live")');
    await page.focus('textarea[aria-label="message"]');
    await page.keyboard.type("stream 3");
    await page.keyboard.press("Enter");
    await page.waitForSelector(".msg.assistant:not(.streaming) .text >> text=chunk2");
    await page.close();
  });

  test("another principal's token sees only its own sessions", async () => {
    const url = cd.d.url;
    const mine = await newSession(url, "console-test", "only for the first token");
    const page = await browser.newPage({ viewport: VIEWPORTS.desktop });
    await page.goto(`${url}/console`);
    await page.fill("#token", OTHER_TOKEN);
    await page.click("text=Sign in");
    await page.waitForSelector('[data-testid="session-count"]:has-text("0 of 0 loaded")');
    await page.goto(`${url}/console#/s/${mine}`);
    await page.waitForSelector(`.error >> text=not found`);
    assert.equal(await page.locator(".msg").count(), 0);
    await page.close();
  });

  test("a send whose answer is lost is retried with the same idempotency key: stored once", async () => {
    const url = cd.d.url;
    const sid = await newSession(url);
    const page = await signedInPage(browser, "desktop");
    const keys: string[] = [];
    let cut = false;
    await page.route(`**/sessions/${sid}/messages`, async (route) => {
      keys.push(route.request().headers()["idempotency-key"] ?? "");
      if (cut) return route.continue();
      cut = true;
      await route.fetch(); // the daemon stores the message...
      await route.abort("connectionreset"); // ...but its answer never reaches the page
    });
    await page.goto(`${url}/console#/s/${sid}`);
    await page.waitForSelector('[data-testid="stream-state"]:has-text("live")');
    await send(page, "stream 2");
    await page.waitForSelector(".msg.assistant:not(.streaming) .text >> text=chunk1");
    // The composer clears once the SDK's retry got the (replayed) answer.
    await page.waitForFunction(() => (document.querySelector("textarea[aria-label=message]") as HTMLTextAreaElement).value === "");
    assert.ok(keys.length >= 2 && keys.every((k) => k && k === keys[0]), `one key for every attempt: ${JSON.stringify(keys)}`);
    const messages = (await client(url).get(`/sessions/${sid}/messages`)).body.messages as { role: string; text: string }[];
    assert.equal(messages.filter((m) => m.role === "user").length, 1, "stored once");
    assert.equal(await page.locator(".msg.user").count(), 1);
    assert.equal(await page.locator(".composer .error").count(), 0, "the person saw no error");
    await page.close();
  });
});
