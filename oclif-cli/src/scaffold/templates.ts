/** The files `agentctl plugin new` writes: a provider plugin with one agentctl command and its test. */
export interface ScaffoldVars {
  /** npm package name and plugin name (lowercase, dashes). */
  name: string;
  /** Provider name, also the agentctl topic (`agentctl <provider> say`). */
  provider: string;
  /** Dependency specs for the SDK, e.g. `file:/path/to/agentd/core`. */
  coreSpec: string;
  cliSpec: string;
  /** With tarballs: the built-in plugins the daemon loads by name, installed next to the SDK. */
  builtins: Record<string, string>;
}

const TSX_VERSION = "4.23.14";

export function scaffoldFiles(v: ScaffoldVars): Record<string, string> {
  const cls = v.provider.replace(/(^|-)([a-z0-9])/g, (_, _d: string, c: string) => c.toUpperCase());
  const pkg = {
    name: v.name,
    version: "0.1.0",
    private: true,
    type: "module",
    description: `agentd plugin: the "${v.provider}" provider (reverses the prompt) and \`agentctl ${v.provider} say\``,
    exports: { ".": "./src/index.ts" },
    scripts: { test: "node --import tsx --test test/*.test.ts", daemon: "agentd --plugin ." },
    dependencies: { "@agentd/core": v.coreSpec, ...v.builtins },
    devDependencies: { "@agentd/cli": v.cliSpec, tsx: TSX_VERSION },
    oclif: { commands: "./src/commands", topicSeparator: " " },
  };
  return {
    "package.json": `${JSON.stringify(pkg, null, 2)}\n`,
    "tsconfig.json": `${JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, allowImportingTsExtensions: true, verbatimModuleSyntax: true, skipLibCheck: true }, include: ["src", "test"] }, null, 2)}\n`,
    ".gitignore": "node_modules/\n.data/\n",
    "src/index.ts": `/** ${v.name}: an agentd plugin. The daemon loads it with \`agentd --plugin .\` (see README.md). */
import { definePlugin, Type } from "@agentd/core";
import { ${cls}Provider } from "./provider.ts";

export default definePlugin({
  name: "${v.name}",
  version: "0.1.0",
  description: "the ${v.provider} provider: answers with the prompt reversed",
  configSchema: Type.Object({}, { additionalProperties: false }),
  apply(gateway) {
    gateway.providers.register(new ${cls}Provider());
  },
});
`,
    "src/provider.ts": `import type { Provider, ProviderResult, RunContext } from "@agentd/core";

/** A provider executes runs: this one answers with the prompt reversed. */
export class ${cls}Provider implements Provider {
  readonly name = "${v.provider}";
  readonly description = "answers with the prompt reversed";

  availability() {
    return { ok: true };
  }

  async run(ctx: RunContext): Promise<ProviderResult> {
    await ctx.emit("${v.provider}.turn", { chars: ctx.prompt.length }); // an event in the session's log
    return { text: [...ctx.prompt].reverse().join("") };
  }
}
`,
    [`src/commands/${v.provider}/say.ts`]: `// \`agentctl ${v.provider} say\`: send text to the ${v.provider} provider and print its answer.
import { BaseCommand, EXIT, Flags } from "@agentd/cli/base";

interface SayResult {
  session_id: string;
  run_id: string;
  status: string;
  output: string | null;
}

export default class ${cls}Say extends BaseCommand<typeof ${cls}Say> {
  static override summary = "Send text to the ${v.provider} provider and print its answer.";
  static override examples = ['<%= config.bin %> ${v.provider} say --text hello', '<%= config.bin %> --format json ${v.provider} say --text hello'];
  static override flags = {
    text: Flags.string({ summary: "What to send.", required: true }),
    "timeout-s": Flags.integer({ summary: "Give up after this many seconds.", default: 60, min: 1, max: 3600 }),
  };

  async run(): Promise<void> {
    const { session } = await this.client.createSession({ provider: "${v.provider}", title: "${v.provider} say" });
    const { run } = await this.client.sendMessage(session.id, { text: this.flags.text });
    const waited = await this.client.waitRun(run.id, { timeout_s: this.flags["timeout-s"] });
    const result: SayResult = { session_id: session.id, run_id: run.id, status: waited.run.status, output: waited.run.output };
    this.output(result, (r: SayResult) => r.output ?? \`run \${r.run_id} \${r.status}\`);
    if (waited.timed_out) this.fail(\`run \${run.id} is still \${waited.run.status}: see \\\`agentctl run diagnose --run-id \${run.id}\\\`\`, EXIT.waitTimeout);
    if (waited.run.status !== "completed") this.fail(\`run \${run.id} ended \${waited.run.status}: \${waited.run.error ?? "no error recorded"}\`);
  }
}
`,
    "test/plugin.test.ts": testFile(v),
    "README.md": `# ${v.name}

An agentd plugin made with \`agentctl plugin new\`: the \`${v.provider}\` provider (answers with the
prompt reversed) and the command \`agentctl ${v.provider} say\`. Guide: docs/plugins.md in agentd.

\`\`\`
npm install --no-audit --no-fund     # the SDK comes from the agentd checkout named in package.json
npm test                             # starts a real daemon with this plugin, sends a message, runs the command
npx agentd --plugin . --port 8765    # a daemon with the plugin (another terminal:)
AGENTD_PLUGINS=. npx agentctl ${v.provider} say --text hello
\`\`\`
`,
  };
}

function testFile(v: ScaffoldVars): string {
  return `// Starts the real daemon with this plugin, sends a message through the provider and runs the command.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { AgentdClient } from "@agentd/core/client";

const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "node_modules", ".bin");
const dataDir = mkdtempSync(join(tmpdir(), "${v.name}-"));
let daemon: ChildProcess;
let url = "";

before(async () => {
  daemon = spawn(join(BIN, "agentd"), ["--plugin", ROOT, "--port", "0", "--db", join(dataDir, "agentd.db"), "--log-format", "text"], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  url = await new Promise<string>((ok, fail) => {
    daemon.stderr!.on("data", (d: Buffer) => {
      log += d.toString();
      const m = /agentd listening url="([^"]+)"/.exec(log);
      if (m) ok(m[1]);
    });
    daemon.on("exit", (code) => fail(new Error(\`agentd exited with \${code}:\\n\${log}\`)));
  });
});

after(() => {
  daemon?.kill("SIGTERM");
  rmSync(dataDir, { recursive: true, force: true });
});

test("the ${v.provider} provider answers with the prompt reversed", async () => {
  const client = new AgentdClient({ baseUrl: url });
  const { session } = await client.createSession({ provider: "${v.provider}" });
  const { run } = await client.sendMessage(session.id, { text: "hello" });
  const waited = await client.waitRun(run.id, { timeout_s: 30 });
  assert.equal(waited.run.status, "completed");
  assert.equal(waited.run.output, "olleh");
});

test("agentctl ${v.provider} say prints the answer (agentctl finds the command through AGENTD_PLUGINS)", async () => {
  const env = { ...process.env, AGENTCTL_URL: url, AGENTD_PLUGINS: ROOT };
  const { stdout, stderr } = await promisify(execFile)(join(BIN, "agentctl"), ["${v.provider}", "say", "--text", "abc"], { cwd: ROOT, env });
  assert.equal(JSON.parse(stdout).output, "cba", stderr);
});
`;
}
