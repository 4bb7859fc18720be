// How the claude-code provider calls claude: argv (no prompt and no secret in it), the permission
// bridge's --mcp-config file and loopback listener, and finding the binary. No binary needed.
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { buildArgs, PERMISSION_SERVER, PERMISSION_TOOL, resolveClaudeBin } from "../../plugins/provider-claude-code/src/invocation.ts";
import { startPermissionBridge } from "../../plugins/provider-claude-code/src/permission-bridge.ts";
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

  it("the permission bridge: a 0600 --mcp-config file with the loopback URL and secret; only the secret's holder is answered", async () => {
    const seen: unknown[] = [];
    const bridge = await startPermissionBridge(async (req) => {
      seen.push(req);
      return { behavior: "allow", updatedInput: req.input };
    });
    try {
      assert.equal(statSync(bridge.mcpConfigPath).mode & 0o777, 0o600);
      const config = JSON.parse(readFileSync(bridge.mcpConfigPath, "utf8"));
      const server = config.mcpServers.agentd;
      assert.deepEqual([server.type, server.command, server.args], ["stdio", process.execPath, [PERMISSION_SERVER]]);
      const { AGENTD_PERMISSION_URL: url, AGENTD_PERMISSION_SECRET: secret } = server.env;
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/permission$/);
      assert.match(secret, /^[0-9a-f]{64}$/);
      const post = (auth: string, body: string) => fetch(url, { method: "POST", headers: { authorization: auth, "content-type": "application/json" }, body });
      const wrong = await post("Bearer nope", JSON.stringify({ tool_name: "Bash", input: {} }));
      assert.equal(wrong.status, 401);
      const bad = await post(`Bearer ${secret}`, JSON.stringify({ input: [] }));
      assert.equal(bad.status, 400);
      assert.match((await bad.json()).error.message, /tool_name must be a non-empty string/);
      const ok = await post(`Bearer ${secret}`, JSON.stringify({ tool_name: "Write", input: { file_path: "/x" }, tool_use_id: "t1" }));
      assert.deepEqual(await ok.json(), { behavior: "allow", updatedInput: { file_path: "/x" } });
      assert.deepEqual(seen, [{ tool_name: "Write", input: { file_path: "/x" }, tool_use_id: "t1" }]);
    } finally {
      await bridge.close();
    }
    assert.equal(existsSync(bridge.mcpConfigPath), false, "the config file goes with the turn");
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
