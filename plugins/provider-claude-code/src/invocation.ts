/** How claude is found, checked and called: config, binary resolution, version and the argv of a turn. */
import { execFile } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { Type, type PluginOption, type Static } from "@agentd/core";

/** `--permission-mode` choices of claude 2.1.x (its default mode is used when none is set). */
export const PERMISSION_MODES = ["acceptEdits", "auto", "bypassPermissions", "manual", "dontAsk", "plan"] as const;

export const ClaudeConfigSchema = Type.Object(
  {
    bin: Type.String({ minLength: 1, default: "claude", description: "claude executable: a name looked up on PATH, or a path" }),
    model: Type.Optional(Type.String({ minLength: 1 })),
    permissionMode: Type.Optional(Type.String({ enum: [...PERMISSION_MODES] })),
    allowedTools: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    extraArgs: Type.Array(Type.String(), { default: [] }),
    permissionPrompt: Type.Boolean({ default: true }),
    permissionTimeoutS: Type.Integer({ minimum: 1, maximum: 86_400, default: 600 }),
  },
  { additionalProperties: false },
);
export type ClaudeConfig = Static<typeof ClaudeConfigSchema>;

export const CLAUDE_OPTIONS: readonly PluginOption[] = [
  { flag: "--claude-bin", env: ["AGENTD_CLAUDE_BIN"], key: "bin", type: "string", description: "claude executable, on PATH or a path (default: claude)" },
  { flag: "--claude-model", env: ["AGENTD_CLAUDE_MODEL"], key: "model", type: "string", description: "default Claude model (--model) when the session sets none" },
  { flag: "--claude-permission-mode", env: ["AGENTD_CLAUDE_PERMISSION_MODE"], key: "permissionMode", type: "string", description: `claude --permission-mode: ${PERMISSION_MODES.join(" | ")} (default: claude's own)` },
  { flag: "--claude-allowed-tools", env: ["AGENTD_CLAUDE_ALLOWED_TOOLS"], key: "allowedTools", type: "string[]", description: 'a tool claude may use without asking, repeatable, e.g. --claude-allowed-tools "Bash(git *)"' },
  { flag: "--claude-extra-arg", env: ["AGENTD_CLAUDE_EXTRA_ARGS"], key: "extraArgs", type: "string[]", description: "one extra claude argument, repeatable, e.g. --claude-extra-arg=--effort --claude-extra-arg low (use = when the value starts with --)" },
  { flag: "--claude-permission-prompt", env: ["AGENTD_CLAUDE_PERMISSION_PROMPT"], key: "permissionPrompt", type: "boolean", description: "offer claude agentd's permission tool, so its permission requests become escalations (default true)" },
  { flag: "--claude-permission-timeout-s", env: ["AGENTD_CLAUDE_PERMISSION_TIMEOUT_S"], key: "permissionTimeoutS", type: "number", description: "deny a permission request nobody answered within this many seconds (default 600)" },
];

/** The versions this provider was built and tested against (stream-json events, flags). */
export const SUPPORTED = { major: 2, minMinor: 1, tested: "2.1.328" } as const;
const INSTALL_HINT = `install it with "npm install -g @anthropic-ai/claude-code@${SUPPORTED.tested}" or pass --claude-bin /path/to/claude (env AGENTD_CLAUDE_BIN)`;

export type Resolved = { ok: true; path: string; version: string } | { ok: false; reason: string };

function executable(path: string): "ok" | "missing" | "not-executable" {
  try {
    if (!statSync(path).isFile()) return "missing";
    accessSync(path, constants.X_OK);
    return "ok";
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EACCES" ? "not-executable" : "missing";
  }
}

function locate(bin: string, pathEnv: string, cwd: string): { ok: true; path: string } | { ok: false; reason: string } {
  if (bin.includes("/")) {
    const path = isAbsolute(bin) ? bin : resolve(cwd, bin);
    const state = executable(path);
    if (state === "ok") return { ok: true, path };
    if (state === "not-executable") return { ok: false, reason: `claude binary ${path} is not executable: chmod +x it, or ${INSTALL_HINT}` };
    return { ok: false, reason: `claude binary not found at ${path} (--claude-bin): ${INSTALL_HINT}` };
  }
  for (const dir of pathEnv.split(delimiter)) {
    if (dir && executable(join(dir, bin)) === "ok") return { ok: true, path: join(dir, bin) };
  }
  return { ok: false, reason: `claude binary "${bin}" not found on PATH: ${INSTALL_HINT}` };
}

/** `claude --version` output is "2.1.328 (Claude Code)"; null when it is not a supported 2.x. */
export function checkVersion(output: string): { version: string; supported: boolean } {
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(output);
  if (!m) return { version: output.trim().slice(0, 80), supported: false };
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return { version: m[0], supported: major === SUPPORTED.major && minor >= SUPPORTED.minMinor };
}

/** `claude --version` output (or why it failed), per binary path and modification time. */
const versions = new Map<string, { mtimeMs: number; output: Promise<string | Error> }>();

function versionOf(path: string): Promise<string | Error> {
  return new Promise((done) => {
    execFile(path, ["--version"], { encoding: "utf8", timeout: 15_000, env: { ...process.env, DISABLE_AUTOUPDATER: "1" } }, (err, stdout) => done(err ?? stdout));
  });
}

/**
 * Find claude and check its version. The version is asked once per binary (async: it never blocks
 * the daemon) and cached until the file changes, since availability is checked on every auto run.
 */
export async function resolveClaudeBin(bin: string, pathEnv = process.env.PATH ?? "", cwd = process.cwd()): Promise<Resolved> {
  const found = locate(bin, pathEnv, cwd);
  if (!found.ok) return found;
  let mtimeMs: number;
  try {
    mtimeMs = statSync(found.path).mtimeMs;
  } catch {
    return { ok: false, reason: `claude binary ${found.path} disappeared: ${INSTALL_HINT}` };
  }
  let cached = versions.get(found.path);
  if (!cached || cached.mtimeMs !== mtimeMs) {
    cached = { mtimeMs, output: versionOf(found.path) };
    versions.set(found.path, cached);
  }
  const output = await cached.output;
  if (output instanceof Error) return { ok: false, reason: `${found.path} --version failed (${output.message.split("\n")[0]}): is it Claude Code? ${INSTALL_HINT}` };
  const { version, supported } = checkVersion(output);
  if (!supported) return { ok: false, reason: `claude ${version} at ${found.path} is not supported (this provider needs ${SUPPORTED.major}.${SUPPORTED.minMinor}.x or a later ${SUPPORTED.major}.x, tested with ${SUPPORTED.tested}): ${INSTALL_HINT}` };
  return { ok: true, path: found.path, version };
}

export interface TurnInvocation {
  model?: string | null;
  permissionMode?: string;
  allowedTools: readonly string[];
  extraArgs: readonly string[];
  /** The claude session to resume; null starts a new one. */
  sessionId: string | null;
  /** The `--mcp-config` file offering agentd's permission tool, or null. */
  mcpConfig: string | null;
}

/** The MCP server name and tool claude calls for permission (`mcp__<server>__<tool>`). */
export const PERMISSION_TOOL = "mcp__agentd__permission";

/**
 * `claude -p` argv. The prompt is NOT in argv: it goes on stdin (then EOF), so no prompt can be
 * read as a flag and none shows in `ps`. `--allowedTools=` takes one joined value, because the
 * space-separated form is variadic and would swallow the arguments after it.
 */
export function buildArgs(t: TurnInvocation): string[] {
  return [
    "-p",
    "--output-format",
    "stream-json",
    "--verbose",
    ...(t.model ? ["--model", t.model] : []),
    ...(t.permissionMode ? ["--permission-mode", t.permissionMode] : []),
    ...(t.allowedTools.length ? [`--allowedTools=${t.allowedTools.join(",")}`] : []),
    ...(t.mcpConfig ? ["--mcp-config", t.mcpConfig, "--permission-prompt-tool", PERMISSION_TOOL] : []),
    ...(t.sessionId ? ["--resume", t.sessionId] : []),
    ...t.extraArgs,
  ];
}

/** The MCP server script (plain Node, no TypeScript loader needed) claude starts for the permission tool. */
export const PERMISSION_SERVER = resolve(import.meta.dirname, "..", "mcp", "permission-server.mjs");

/** `--mcp-config` JSON: the env carries where and how the permission server reaches this run (see permission-bridge.ts). */
export function permissionMcpConfig(env: Record<string, string>): string {
  return JSON.stringify({ mcpServers: { agentd: { type: "stdio", command: process.execPath, args: [PERMISSION_SERVER], env } } });
}
