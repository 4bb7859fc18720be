/** How codex is found and called: config, binary resolution and the exact argv of a turn. */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { Type, type PluginOption, type RunContext, type Static } from "@agentd/core";

export const SANDBOX_MODES = ["read-only", "workspace-write", "danger-full-access"] as const;
/** `exec`: one `codex exec --json` per turn, no approvals. `app-server`: JSON-RPC, native approvals. */
export const TRANSPORTS = ["exec", "app-server"] as const;
/** codex's `approvalPolicy` for app-server threads (exec always runs with "never"). */
export const APPROVAL_POLICIES = ["untrusted", "on-request", "never"] as const;

export const CodexConfigSchema = Type.Object(
  {
    bin: Type.String({ minLength: 1, default: "codex", description: "codex executable: a name looked up on PATH, or a path" }),
    profile: Type.Optional(Type.String({ minLength: 1 })),
    extraArgs: Type.Array(Type.String(), { default: [] }),
    sandbox: Type.String({ enum: [...SANDBOX_MODES], default: "workspace-write" }),
    model: Type.Optional(Type.String({ minLength: 1 })),
    sandboxNetwork: Type.Boolean({ default: true }),
    transport: Type.String({ enum: [...TRANSPORTS], default: "exec" }),
    approvalPolicy: Type.String({ enum: [...APPROVAL_POLICIES], default: "on-request" }),
    approvalTimeoutS: Type.Number({ minimum: 1, maximum: 7 * 24 * 3600, default: 900 }),
  },
  { additionalProperties: false },
);
export type CodexConfig = Static<typeof CodexConfigSchema>;

export const CODEX_OPTIONS: readonly PluginOption[] = [
  { flag: "--codex-bin", env: ["AGENTD_CODEX_BIN"], key: "bin", type: "string", description: "codex executable, on PATH or a path (default: codex)" },
  { flag: "--codex-profile", env: ["AGENTD_CODEX_PROFILE"], key: "profile", type: "string", description: "codex profile (-p): layers $CODEX_HOME/<name>.config.toml" },
  {
    flag: "--codex-extra-arg",
    env: ["AGENTD_CODEX_EXTRA_ARGS"],
    key: "extraArgs",
    type: "string[]",
    description:
      "one extra codex argument, repeatable, e.g. --codex-extra-arg -c --codex-extra-arg model_reasoning_effort=low; a value that is itself an agentd flag needs the = form (--codex-extra-arg=--port); an option agentd sets (--color, -s, -m, -p, -C) given here replaces agentd's own",
  },
  { flag: "--codex-sandbox", env: ["AGENTD_CODEX_SANDBOX"], key: "sandbox", type: "string", description: "read-only | workspace-write | danger-full-access (default workspace-write)" },
  { flag: "--codex-model", env: ["AGENTD_CODEX_MODEL"], key: "model", type: "string", description: "default codex model (-m) when the session sets none" },
  {
    flag: "--codex-sandbox-network",
    env: ["AGENTD_CODEX_SANDBOX_NETWORK"],
    key: "sandboxNetwork",
    type: "boolean",
    description: "let commands in codex's workspace-write sandbox use the network, so agentctl inside a run reaches the daemon (default true)",
  },
  { flag: "--codex-transport", env: ["AGENTD_CODEX_TRANSPORT"], key: "transport", type: "string", description: "exec (codex exec --json per turn) | app-server (JSON-RPC, native approvals) (default exec)" },
  {
    flag: "--codex-approval-policy",
    env: ["AGENTD_CODEX_APPROVAL_POLICY"],
    key: "approvalPolicy",
    type: "string",
    description: "app-server transport: when codex asks before acting: untrusted | on-request | never (default on-request)",
  },
  {
    flag: "--codex-approval-timeout-s",
    env: ["AGENTD_CODEX_APPROVAL_TIMEOUT_S"],
    key: "approvalTimeoutS",
    type: "number",
    description: "app-server transport: an approval unanswered this long is declined with a reason (default 900)",
  },
];

/** `<repo root>/bin`, where `agentctl` lives: prepended to PATH so commands codex runs can call it. */
export const AGENTCTL_BIN_DIR = resolve(import.meta.dirname, "..", "..", "..", "bin");

const INSTALL_HINT = 'install it with "npm install -g @openai/codex" or pass --codex-bin /path/to/codex (env AGENTD_CODEX_BIN)';

export type Resolved = { ok: true; path: string } | { ok: false; reason: string };

function isExecutableFile(path: string): "ok" | "missing" | "not-executable" {
  try {
    if (!statSync(path).isFile()) return "missing";
    accessSync(path, constants.X_OK);
    return "ok";
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EACCES" ? "not-executable" : "missing";
  }
}

/** Find the codex executable the way a shell would; the reason says what to do when it is missing. */
export function resolveCodexBin(bin: string, pathEnv = process.env.PATH ?? "", cwd = process.cwd()): Resolved {
  if (bin.includes("/")) {
    const path = isAbsolute(bin) ? bin : resolve(cwd, bin);
    const state = isExecutableFile(path);
    if (state === "ok") return { ok: true, path };
    if (state === "not-executable") return { ok: false, reason: `codex binary ${path} is not executable: chmod +x it, or ${INSTALL_HINT}` };
    return { ok: false, reason: `codex binary not found at ${path} (--codex-bin): ${INSTALL_HINT}` };
  }
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    const path = join(dir, bin);
    if (isExecutableFile(path) === "ok") return { ok: true, path };
  }
  return { ok: false, reason: `codex binary "${bin}" not found on PATH: ${INSTALL_HINT}` };
}

export interface TurnInvocation {
  sandbox: string;
  profile?: string;
  model?: string | null;
  cwd: string;
  extraArgs: readonly string[];
  /** workspace-write only: allow network so `agentctl` in the run can reach the daemon. */
  sandboxNetwork?: boolean;
  /** The thread to resume; null starts a new one. */
  threadId: string | null;
  prompt: string;
}

/**
 * Options agentd passes to `codex exec` itself, by every spelling. codex refuses a repeated one
 * (exit 2), so when a user's --codex-extra-arg names one (`--color always`, `--model=x`), the
 * user's wins and agentd leaves its own out.
 */
const OWN_OPTIONS = {
  json: ["--json"],
  skipGitRepoCheck: ["--skip-git-repo-check"],
  color: ["--color"],
  sandbox: ["-s", "--sandbox"],
  profile: ["-p", "--profile"],
  model: ["-m", "--model"],
  cd: ["-C", "--cd"],
} as const;

function userSets(extraArgs: readonly string[], spellings: readonly string[]): boolean {
  return extraArgs.some((arg) => spellings.some((s) => arg === s || arg.startsWith(`${s}=`) || (s.length === 2 && arg.startsWith(s) && !arg.startsWith("--"))));
}

/**
 * `codex exec` argv. Options go before `resume` (the subcommand rejects -s, -C, -p, --color), the
 * sandbox is repeated on every resume (codex does not remember it), `allow_login_shell=false` keeps
 * our PATH (and so `agentctl`) in codex's shell, and `--` protects a prompt starting with "-".
 */
export function buildArgs(t: TurnInvocation): string[] {
  const own = (name: keyof typeof OWN_OPTIONS, args: string[]): string[] => (userSets(t.extraArgs, OWN_OPTIONS[name]) ? [] : args);
  return [
    "exec",
    ...own("json", ["--json"]),
    ...own("skipGitRepoCheck", ["--skip-git-repo-check"]),
    ...own("color", ["--color", "never"]),
    ...own("sandbox", ["-s", t.sandbox]),
    ...(t.profile ? own("profile", ["-p", optionValue("-p (profile)", t.profile)]) : []),
    ...(t.model ? own("model", ["-m", optionValue("-m (model)", t.model)]) : []),
    ...own("cd", ["-C", optionValue("-C (cwd)", t.cwd)]),
    "-c",
    "allow_login_shell=false",
    ...(t.sandboxNetwork && t.sandbox === "workspace-write" ? ["-c", "sandbox_workspace_write.network_access=true"] : []),
    ...t.extraArgs,
    ...(t.threadId ? ["resume", optionValue("resume (thread id)", t.threadId)] : []),
    "--",
    t.prompt,
  ];
}

/** A value after an option must not read as an option itself (a model named "--yolo" would be one). */
function optionValue(what: string, value: string): string {
  if (value.startsWith("-")) throw new Error(`refusing to run codex: the ${what} value "${value}" starts with "-" and would be read as an option; use a name that starts with a letter or digit`);
  return value;
}

/** argv for diagnose: the prompt shortened, everything else as run. */
export function displayArgv(bin: string, args: readonly string[]): string[] {
  const prompt = args[args.length - 1] ?? "";
  const shown = prompt.length > 200 ? `${prompt.slice(0, 200)}... (${prompt.length} chars)` : prompt;
  return [bin, ...args.slice(0, -1), shown];
}

/**
 * The child's environment: the daemon's, minus agentd's own secrets (AGENTD_AUTH_TOKEN, admin
 * token...), plus the run's variables, with `agentctl` first on PATH.
 */
export function childEnv(runEnv: Readonly<Record<string, string>>, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !k.startsWith("AGENTD_") && !k.startsWith("AGENTCTL_")) env[k] = v;
  Object.assign(env, runEnv);
  env.PATH = [AGENTCTL_BIN_DIR, base.PATH].filter(Boolean).join(delimiter);
  return env;
}

/** The session's working directory, which must exist (codex would fail less clearly). */
export function checkSessionCwd(ctx: RunContext): string {
  const cwd = ctx.session.cwd ?? process.cwd();
  let ok = false;
  try {
    ok = statSync(cwd).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new Error(`the session's cwd ${cwd} is not an existing directory: create it, or start a new session with an existing cwd`);
  return cwd;
}
