// An approval policy plugin: native approvals (e.g. codex app-server asking to run a command) go
// through `onEscalate` first. This one allows read-only git commands and denies `rm -rf`; anything
// else is left to a person (or the parent agent). Load it with:
//   agentd --codex-transport app-server --plugin examples/approval-policy/approval-policy.ts
import { definePlugin } from "@agentd/core";

const ALLOW = /^git (status|diff|log)(\s|$)/;
const DENY = /\brm\s+-rf\b/;

export default definePlugin({
  name: "example-approval-policy",
  version: "0.1.0",
  description: "allows git status/diff/log, denies rm -rf, asks a person for the rest",
  apply(gateway) {
    gateway.hooks.onEscalate.tapPromise("example-approval-policy", async (request) => {
      const command = request.approval?.kind === "command" ? request.approval.command?.trim() ?? "" : null;
      if (command === null) return undefined; // not a native command approval: not ours to decide
      if (ALLOW.test(command)) return { decision: "approve", text: "read-only git commands are allowed", decidedBy: "policy:example-approval-policy" };
      if (DENY.test(command)) return { decision: "deny", text: "rm -rf is never allowed", decidedBy: "policy:example-approval-policy" };
      return undefined;
    });
  },
});
