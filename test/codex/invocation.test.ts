// Unit tests of how codex is found and called (argv, PATH lookup, child environment).
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { AGENTCTL_BIN_DIR, buildArgs, childEnv, displayArgv, resolveCodexBin } from "../../plugins/provider-codex/src/invocation.ts";
import { cleanup, ROOT, tempDir } from "../support/daemon.ts";

describe("codex argv", () => {
  const base = { sandbox: "workspace-write", cwd: "/w", extraArgs: ["-c", "x=1"], threadId: null, prompt: "do it" };

  it("first turn: exec --json with sandbox, cwd, login shell off, extra args, then the prompt after --", () => {
    assert.deepEqual(buildArgs(base), [
      "exec", "--json", "--skip-git-repo-check", "--color", "never", "-s", "workspace-write", "-C", "/w", "-c", "allow_login_shell=false", "-c", "x=1", "--", "do it",
    ]);
  });

  it("resume: every option before `resume <thread>`, sandbox repeated, profile and model passed", () => {
    const args = buildArgs({ ...base, threadId: "t-1", profile: "fast", model: "m1", prompt: "-starts with a dash" });
    assert.deepEqual(args.slice(args.indexOf("resume")), ["resume", "t-1", "--", "-starts with a dash"]);
    const options = args.slice(0, args.indexOf("resume"));
    for (const pair of [["-s", "workspace-write"], ["-p", "fast"], ["-m", "m1"], ["-C", "/w"]]) {
      assert.equal(options[options.indexOf(pair[0]) + 1], pair[1], `${pair[0]} before resume`);
    }
  });

  it("workspace-write gets sandbox network (so agentctl reaches the daemon) unless turned off; other sandboxes never", () => {
    const net = ["-c", "sandbox_workspace_write.network_access=true"];
    const has = (args: string[]) => args.some((a, i) => a === net[0] && args[i + 1] === net[1]);
    assert.ok(has(buildArgs({ ...base, sandboxNetwork: true })));
    assert.ok(!has(buildArgs({ ...base, sandboxNetwork: false })));
    assert.ok(!has(buildArgs({ ...base, sandbox: "read-only", sandboxNetwork: true })));
  });

  it("an option agentd sets, repeated in --codex-extra-arg, is the user's: agentd drops its own copy (codex exits 2 on a repeat)", () => {
    const count = (args: string[], flag: string) => args.filter((a) => a === flag || a.startsWith(`${flag}=`)).length;
    const color = buildArgs({ ...base, extraArgs: ["--color", "always"] });
    assert.equal(count(color, "--color"), 1);
    assert.equal(color[color.indexOf("--color") + 1], "always");
    const inline = buildArgs({ ...base, model: "m1", extraArgs: ["--model=m2", "--sandbox", "read-only", "-Cother"] });
    assert.deepEqual([count(inline, "-m"), count(inline, "--model"), count(inline, "-s"), count(inline, "-C")], [0, 1, 0, 0]);
    assert.ok(inline.includes("--sandbox") && inline.includes("-Cother"));
    const untouched = buildArgs({ ...base, extraArgs: ["-c", "model_reasoning_effort=low"] });
    assert.deepEqual([count(untouched, "--color"), count(untouched, "-s"), count(untouched, "-C")], [1, 1, 1], "-c does not hide -C");
  });

  it("diagnose shows the argv with a long prompt shortened", () => {
    const argv = displayArgv("/bin/codex", buildArgs({ ...base, prompt: "p".repeat(500) }));
    assert.equal(argv[0], "/bin/codex");
    assert.match(argv.at(-1)!, /^p{200}\.\.\. \(500 chars\)$/);
  });
});

describe("codex binary lookup", () => {
  const dir = tempDir("agentd-codex-bin-");
  after(() => cleanup(dir));
  const exe = join(dir, "codex");
  writeFileSync(exe, "#!/bin/sh\n");
  chmodSync(exe, 0o755);
  const notExe = join(dir, "plain");
  writeFileSync(notExe, "");
  mkdirSync(join(dir, "adir"));

  it("finds a name on PATH, skipping empty and missing entries", () => {
    assert.deepEqual(resolveCodexBin("codex", `:/nonexistent:${dir}`), { ok: true, path: exe });
  });
  it("a name not on PATH: says so and how to fix it", () => {
    const r = resolveCodexBin("codex", "/nonexistent");
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : "", /codex binary "codex" not found on PATH: install it with "npm install -g @openai\/codex" or pass --codex-bin/);
  });
  it("paths: relative to the daemon's cwd; a directory or non-executable file is refused", () => {
    assert.deepEqual(resolveCodexBin("./codex", "", dir), { ok: true, path: exe });
    assert.equal(resolveCodexBin(join(dir, "adir"), "").ok, false);
    const r = resolveCodexBin(notExe, "");
    assert.match(!r.ok ? r.reason : "", /is not executable: chmod \+x/);
  });
});

describe("codex child environment", () => {
  it("drops the daemon's own AGENTD_/AGENTCTL_ secrets, adds the run's variables, puts agentctl first on PATH", () => {
    const env = childEnv(
      { AGENTD_RUN_ID: "run_1", AGENTCTL_AUTH_TOKEN: "run-token" },
      { PATH: "/usr/bin", HOME: "/h", AGENTD_ADMIN_TOKEN: "admin-secret", AGENTD_AUTH_TOKEN: "daemon-secret", AGENTCTL_AUTH_TOKEN: "operator" },
    );
    assert.equal(env.AGENTD_ADMIN_TOKEN, undefined);
    assert.equal(env.AGENTD_AUTH_TOKEN, undefined);
    assert.equal(env.AGENTCTL_AUTH_TOKEN, "run-token");
    assert.equal(env.AGENTD_RUN_ID, "run_1");
    assert.equal(env.HOME, "/h");
    assert.equal(env.PATH, `${join(ROOT, "bin")}:/usr/bin`);
    assert.equal(AGENTCTL_BIN_DIR, join(ROOT, "bin"));
  });
});
