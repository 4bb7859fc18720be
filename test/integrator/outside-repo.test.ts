// What an integrator does, from an empty folder outside the repo, with only the commands
// docs/plugins.md gives: scaffold, npm install (SDK from this checkout), npm test, a real daemon
// with the plugin, a message through its provider, and the plugin's agentctl command.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { AGENTCTL_BIN, ROOT, tempDir } from "../support/daemon.ts";
import { cleanEnv } from "../cli/cli-helpers.ts";

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sh(cmd: string, args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const childEnv = cleanEnv(env);
    delete childEnv.NODE_TEST_CONTEXT; // the plugin's own `npm test` reports for itself
    const proc = spawn(cmd, args, { cwd, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    proc.on("error", reject);
    proc.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function ok(cmd: string, args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<string> {
  const r = await sh(cmd, args, cwd, env);
  assert.equal(r.code, 0, `${cmd} ${args.join(" ")} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout.trim();
}

describe("an integrator outside the repo: scaffold, install, daemon, provider, command", () => {
  const work = tempDir("agentd-integrator-");
  const plugin = join(work, "my-plugin");
  const bin = (name: string) => join(plugin, "node_modules", ".bin", name);
  let daemon: ChildProcess | undefined;
  let url = "";

  before(() => assert.ok(relative(ROOT, work).startsWith(".."), "the folder is outside the checkout"));
  after(async () => {
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((r) => daemon!.once("exit", r));
      daemon.kill("SIGTERM");
      await exited;
    }
    rmSync(work, { recursive: true, force: true });
  });

  it("agentctl plugin new writes a plugin whose package.json takes the SDK from this checkout", async () => {
    const out = JSON.parse(await ok(process.execPath, [AGENTCTL_BIN, "plugin", "new", "./my-plugin"], work));
    assert.equal(out.name, "my-plugin");
    assert.deepEqual(out.sdk, { "@agentd/core": `file:${join(ROOT, "core")}`, "@agentd/cli": `file:${join(ROOT, "oclif-cli")}` });
    for (const f of ["package.json", "src/index.ts", "src/provider.ts", "src/commands/reverse/say.ts", "test/plugin.test.ts", "README.md"]) assert.ok(existsSync(join(plugin, f)), f);
    const again = await sh(process.execPath, [AGENTCTL_BIN, "plugin", "new", "./my-plugin"], work);
    assert.equal(again.code, 2, "a non-empty folder is a usage error");
    assert.match(again.stderr, /is not empty/);
  });

  it("npm install and the plugin's own npm test (a real daemon) pass", async () => {
    await ok("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], plugin);
    const test = await sh("npm", ["test"], plugin);
    assert.equal(test.code, 0, `npm test failed:\n${test.stdout}\n${test.stderr}`);
    assert.match(test.stdout, /# pass 2/);
  });

  it("a daemon with the plugin runs a message through its provider", async () => {
    daemon = spawn(bin("agentd"), ["--plugin", ".", "--port", "0", "--db", join(work, "agentd.db"), "--log-format", "text"], { cwd: plugin, env: cleanEnv(), stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    url = await new Promise<string>((resolve, reject) => {
      daemon!.stderr!.on("data", (d: Buffer) => {
        log += d.toString();
        const m = /agentd listening url="([^"]+)".*"my-plugin"/.exec(log);
        if (m) resolve(m[1]);
      });
      daemon!.on("exit", (code) => reject(new Error(`agentd exited ${code}:\n${log}`)));
    });
    const env = { AGENTCTL_URL: url };
    const sessionId = await ok(bin("agentctl"), ["--field", "session.id", "session", "create", "--provider", "reverse"], plugin, env);
    const runId = await ok(bin("agentctl"), ["--field", "run.id", "message", "send", "--session-id", sessionId, "--text", "integrator"], plugin, env);
    assert.equal(await ok(bin("agentctl"), ["--field", "run.output", "run", "wait", "--run-id", runId, "--timeout-s", "30"], plugin, env), "rotargetni");
  });

  it("agentctl finds the plugin's command from the daemon's plugin list (AGENTD_PLUGINS), with no warning", async () => {
    const r = await sh(bin("agentctl"), ["reverse", "say", "--text", "hello"], plugin, { AGENTCTL_URL: url, AGENTD_PLUGINS: "." });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).output, "olleh", "stdout is a pipe: JSON");
    assert.equal(r.stderr, "", "no transpile warning or stack on stderr");
    const pretty = await ok(bin("agentctl"), ["--plugin", ".", "reverse", "say", "--text", "abc", "--format", "pretty"], plugin, { AGENTCTL_URL: url });
    assert.equal(pretty, "cba");
  });

  it("agentctl plugins link / uninstall (oclif's plugin-plugins) adds and removes the command", async () => {
    const env = { AGENTCTL_URL: url, AGENTCTL_DATA_DIR: join(work, "agentctl-data") };
    const linked = await sh(bin("agentctl"), ["plugins", "link", plugin, "--no-install"], work, env);
    assert.equal(linked.code, 0, linked.stderr);
    assert.doesNotMatch(linked.stderr, /auto-transpiled/);
    assert.equal(await ok(bin("agentctl"), ["--field", "output", "reverse", "say", "--text", "xy"], work, env), "yx");
    await ok(bin("agentctl"), ["plugins", "uninstall", "my-plugin"], work, env);
    const gone = await sh(bin("agentctl"), ["reverse", "say", "--text", "xy"], work, env);
    assert.notEqual(gone.code, 0);
  });

  it("a plugin without @agentd/cli or devDependencies.tsx runs its command with nothing on stderr", async () => {
    unlinkSync(join(plugin, "node_modules", "@agentd", "cli"));
    const pkgPath = join(plugin, "package.json");
    const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as { devDependencies: Record<string, string> };
    delete pkg.devDependencies["@agentd/cli"];
    delete pkg.devDependencies.tsx;
    writeFileSync(pkgPath, JSON.stringify(pkg, null, 2));
    const viaList = await sh(join(ROOT, "bin", "agentctl"), ["reverse", "say", "--text", "ok"], plugin, { AGENTCTL_URL: url, AGENTD_PLUGINS: "." });
    assert.equal(viaList.code, 0, viaList.stderr);
    assert.equal(JSON.parse(viaList.stdout).output, "ko");
    assert.equal(viaList.stderr, "", "no MODULE_NOT_FOUND, no 'cannot be auto-transpiled' warning");
    const env = { AGENTCTL_URL: url, AGENTCTL_DATA_DIR: join(work, "agentctl-data-2") };
    await ok(join(ROOT, "bin", "agentctl"), ["plugins", "link", plugin, "--no-install"], work, env);
    const viaLink = await sh(join(ROOT, "bin", "agentctl"), ["--field", "output", "reverse", "say", "--text", "ab"], work, env);
    assert.equal(viaLink.code, 0, viaLink.stderr);
    assert.equal(viaLink.stdout.trim(), "ba");
    assert.equal(viaLink.stderr, "");
  });
});

describe("an integrator with packed tarballs instead of a checkout", () => {
  const work = tempDir("agentd-integrator-tgz-");
  const sdk = join(work, "sdk");
  after(() => rmSync(work, { recursive: true, force: true }));

  it("npm pack --workspaces, plugin new --sdk <tarballs>, npm install, npm test", async () => {
    mkdirSync(sdk);
    await ok("npm", ["pack", "--workspaces", "--pack-destination", sdk], ROOT);
    const out = JSON.parse(await ok(process.execPath, [AGENTCTL_BIN, "plugin", "new", "./tgz-plugin", "--sdk", sdk], work));
    assert.match(out.sdk["@agentd/core"], /^file:.*agentd-core-0\.1\.0\.tgz$/);
    const plugin = join(work, "tgz-plugin");
    await ok("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], plugin);
    assert.ok(!lstatSync(join(plugin, "node_modules", "@agentd", "core")).isSymbolicLink(), "installed from the tarball, not linked to the checkout");
    const test = await sh("npm", ["test"], plugin);
    assert.equal(test.code, 0, `npm test failed:\n${test.stdout}\n${test.stderr}`);
    assert.match(test.stdout, /# pass 2/);
  });
});
