// How the claude-code provider calls claude: argv (no prompt in it), the MCP config (no secret in
// it) and finding the binary. Pure functions, no binary needed.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { buildArgs, PERMISSION_SERVER, PERMISSION_TOOL, permissionMcpConfig, resolveClaudeBin } from "../../plugins/provider-claude-code/src/invocation.ts";
import { cleanup, tempDir } from "../support/daemon.ts";

const base = { allowedTools: [], extraArgs: [], sessionId: null, mcpConfig: null };

describe("claude invocation", () => {
  it("a first turn: print mode with stream-json, and nothing else unless configured", () => {
    assert.deepEqual(buildArgs(base), ["-p", "--output-format", "stream-json", "--verbose"]);
  });

  it("model, permission mode, allowed tools as one = value, the permission tool, resume, extra args last", () => {
    const args = buildArgs({ model: "claude-x", permissionMode: "acceptEdits", allowedTools: ["Bash(git *)", "Edit"], extraArgs: ["--effort", "low"], sessionId: "5c853bb6-6d65-4c6b-88f1-e371b010fc52", mcpConfig: "{}" });
    assert.deepEqual(args, [
      "-p", "--output-format", "stream-json", "--verbose",
      "--model", "claude-x",
      "--permission-mode", "acceptEdits",
      "--allowedTools=Bash(git *),Edit",
      "--mcp-config", "{}", "--permission-prompt-tool", PERMISSION_TOOL,
      "--resume", "5c853bb6-6d65-4c6b-88f1-e371b010fc52",
      "--effort", "low",
    ]);
  });

  it("the MCP config starts the permission server with node and carries no token", () => {
    const config = JSON.parse(permissionMcpConfig(42));
    assert.deepEqual(config, { mcpServers: { agentd: { type: "stdio", command: process.execPath, args: [PERMISSION_SERVER], env: { AGENTD_PERMISSION_TIMEOUT_S: "42" } } } });
    assert.equal(PERMISSION_TOOL, "mcp__agentd__permission");
  });

  it("finds claude on PATH, checks its version, and says what to install otherwise", async () => {
    const dir = tempDir("agentd-claude-path-");
    try {
      mkdirSync(join(dir, "bin"));
      const fake = join(dir, "bin", "claude");
      writeFileSync(fake, "#!/bin/sh\necho '2.1.400 (Claude Code)'\n");
      chmodSync(fake, 0o755);
      assert.deepEqual(await resolveClaudeBin("claude", `/nonexistent:${join(dir, "bin")}`), { ok: true, path: fake, version: "2.1.400" });
      const missing = await resolveClaudeBin("claude", "/nonexistent");
      assert.equal(missing.ok, false);
      assert.match(missing.ok ? "" : missing.reason, /not found on PATH: install it with "npm install -g @anthropic-ai\/claude-code@2\.1\.328"/);
      writeFileSync(join(dir, "noexec"), "");
      const noexec = await resolveClaudeBin(join(dir, "noexec"));
      assert.match(noexec.ok ? "" : noexec.reason, /is not executable: chmod \+x it/);
      assert.equal((await resolveClaudeBin("bin/claude", "", dir)).ok, true, "a relative path is resolved against the cwd");
    } finally {
      cleanup(dir);
    }
  });
});
