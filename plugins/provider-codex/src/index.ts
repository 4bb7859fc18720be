import { definePlugin, type Gateway } from "@agentd/core";
import { createCodexProvider } from "./codex-provider.ts";
import { CODEX_OPTIONS, CodexConfigSchema } from "./invocation.ts";
import { toCodexUsage, type CodexUsage } from "./usage.ts";

/**
 * The codex CLI provider: runs each turn with `codex exec --json` (or, with `--codex-transport
 * app-server`, over codex's JSON-RPC app-server with native approvals) and resumes the session's
 * codex thread on later turns. Boots fine without a codex binary: it then reports itself unavailable and
 * "auto" routing falls back to the embedded runtime. See docs/codex-provider.md.
 */
export default definePlugin({
  name: "provider-codex",
  version: "0.1.0",
  description: "codex CLI provider (codex exec --json, one codex thread per session)",
  configSchema: CodexConfigSchema,
  options: CODEX_OPTIONS,
  apply(gateway, config) {
    const provider = createCodexProvider({ config, previousTotal: (sessionId, threadId) => lastThreadTotal(gateway, sessionId, threadId) });
    gateway.providers.register(provider);
    if (config.transport === "app-server") {
      // Say at start (not at the first run) when the chosen transport cannot work with this codex.
      gateway.hooks.gatewayStart.tapPromise("provider-codex", async () => {
        const a = await provider.availability!();
        if (!a.ok) gateway.log.warn("codex app-server transport unavailable: codex runs will fail and auto routing uses embedded", { reason: a.reason });
      });
    }
  },
});

/**
 * codex reports usage as running totals of the thread; the previous total is the last `run.usage`
 * event this provider appended for the same thread, so no extra table is needed.
 */
function lastThreadTotal(gateway: Gateway, sessionId: string, threadId: string): CodexUsage | null {
  const rows = gateway.services.db.read.all<{ data: string }>(
    "SELECT data FROM events WHERE session_id = ? AND event_type = 'run.usage' ORDER BY seq DESC LIMIT 50",
    [sessionId],
  );
  for (const row of rows) {
    const data = JSON.parse(row.data) as { thread_id?: unknown; thread_total?: unknown };
    if (data.thread_id === threadId && data.thread_total) return toCodexUsage(data.thread_total);
  }
  return null;
}
