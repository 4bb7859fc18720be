import { definePlugin } from "@agentd/core";
import { createClaudeProvider } from "./claude-provider.ts";
import { CLAUDE_OPTIONS, ClaudeConfigSchema } from "./invocation.ts";

/**
 * The Claude Code provider (`claude-code`): runs each turn with `claude -p --output-format
 * stream-json --verbose`, the prompt on stdin, and resumes the session's claude session on later
 * turns. Claude's permission requests reach agentd through an MCP permission tool and become
 * escalations. Boots fine without a claude binary: it then reports itself unavailable and "auto"
 * routing moves on. See docs/claude-code-provider.md.
 */
export default definePlugin({
  name: "provider-claude-code",
  version: "0.1.0",
  description: "Claude Code CLI provider (claude -p --output-format stream-json, one claude session per agentd session)",
  configSchema: ClaudeConfigSchema,
  options: CLAUDE_OPTIONS,
  apply(gateway, config) {
    const provider = createClaudeProvider(config);
    gateway.providers.register(provider);
    // Ask `claude --version` once at start, so the first auto run or status does not wait for it.
    gateway.hooks.gatewayStart.tapPromise("provider-claude-code", async () => void provider.availability?.());
  },
});
