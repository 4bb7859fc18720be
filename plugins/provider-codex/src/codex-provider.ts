/** The `codex` provider: one run = one `codex exec --json` process, resuming the session's thread. */
import { createInterface } from "node:readline";
import type { Provider, ProviderResult, RunContext } from "@agentd/core";
import { execa } from "execa";
import { CodexTurnReader, type RunEventOut } from "./jsonl-events.ts";
import { runAppServerTurn } from "./app-server/app-server-turn.ts";
import { buildArgs, checkSessionCwd, childEnv, displayArgv, resolveCodexBin, type CodexConfig } from "./invocation.ts";
import { RunProcesses, stopProcessTree, sweep } from "./process-tree.ts";
import { StderrTail } from "./stderr-tail.ts";
import { toRunUsage, type CodexUsage } from "./usage.ts";
import { checkAppServerVersion } from "./version.ts";

export interface CodexProviderDeps {
  config: CodexConfig;
  /** The thread's usage total after its last completed turn (to store per-turn usage). */
  previousTotal(sessionId: string, threadId: string): CodexUsage | null;
}

/** The stored thread id when a session has none (a lost thread is reset to this). */
const NO_THREAD = "";

export function createCodexProvider({ config, previousTotal }: CodexProviderDeps): Provider {
  const invocation = (argv: string[] | null, bin = config.bin) => ({
    codex_invocation: {
      bin, transport: config.transport, profile: config.profile ?? null, sandbox: config.sandbox, model: config.model ?? null, extra_args: config.extraArgs, argv,
      ...(config.transport === "app-server" ? { approval_policy: config.approvalPolicy, approval_timeout_s: config.approvalTimeoutS } : {}),
    },
  });
  const appServer = config.transport === "app-server";
  return {
    name: "codex",
    description: appServer ? "codex CLI (codex app-server, JSON-RPC with native approvals), one codex thread per session" : "codex CLI (codex exec --json), one codex thread per session",
    availability() {
      const found = resolveCodexBin(config.bin);
      if (!found.ok) return { ok: false, reason: found.reason };
      if (!appServer) return { ok: true };
      const version = checkAppServerVersion(found.path);
      return version.ok ? { ok: true } : { ok: false, reason: version.reason };
    },
    describe: () => invocation(null),
    run: (ctx) => (appServer ? runAppServerTurn(ctx, { config, previousTotal, invocation }) : runTurn(ctx, config, previousTotal, invocation)),
  };
}

async function runTurn(
  ctx: RunContext,
  config: CodexConfig,
  previousTotal: CodexProviderDeps["previousTotal"],
  invocation: (argv: string[] | null, bin?: string) => Record<string, unknown>,
): Promise<ProviderResult> {
  const found = resolveCodexBin(config.bin);
  if (!found.ok) throw new Error(found.reason);
  const cwd = checkSessionCwd(ctx);

  if (ctx.signal.aborted) throw ctx.signal.reason;
  const threadId = ctx.threadId || null;
  const args = buildArgs({ sandbox: config.sandbox, profile: config.profile, model: ctx.run.model ?? ctx.session.model ?? config.model, cwd, extraArgs: config.extraArgs, sandboxNetwork: config.sandboxNetwork, threadId, prompt: ctx.prompt });
  ctx.setDiagnostics(invocation(displayArgv(found.path, args), found.path));
  const reader = new CodexTurnReader({ requestedThreadId: threadId, previousTotal: threadId ? previousTotal(ctx.session.id, threadId) : null });

  const child = execa(found.path, args, {
    cwd,
    env: childEnv(ctx.env),
    extendEnv: false,
    detached: true, // its own process group, so the whole group can be signalled
    stdin: "ignore", // an open stdin makes codex wait for EOF
    buffer: false,
    reject: false,
  });
  const pid = child.pid;
  const procs = pid ? new RunProcesses(pid) : null;
  if (pid) ctx.setPid(pid);

  const stop: { done: ReturnType<typeof stopProcessTree> | null } = { done: null };
  const onAbort = (): void => {
    if (procs && !stop.done) stop.done = stopProcessTree(procs, child);
  };
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  if (ctx.signal.aborted) onAbort();

  const stderr = new StderrTail();
  child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
  const emits: Promise<void>[] = [];
  const emit = (e: RunEventOut): void => {
    emits.push(ctx.emit(e.eventType, e.data).catch((err: unknown) => ctx.log.warn("codex event not recorded", { run_id: ctx.run.id, event_type: e.eventType, error: String(err) })));
  };

  // Keep the recorded tree current: once codex is gone, its commands are no longer its children.
  const watch = setInterval(() => procs?.snapshot(), 1000).unref();
  let storedThread = threadId;
  try {
    try {
      if (child.stdout) {
        for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) {
          for (const event of reader.push(line)) {
            if (event.eventType === "tool.command" && event.data.phase === "started") procs?.snapshot();
            emit(event);
          }
          // Persist a new thread as soon as codex names it: even a canceled turn can be resumed.
          if (reader.threadId && reader.threadId !== storedThread) {
            storedThread = reader.threadId;
            await ctx.setThreadId(storedThread);
          }
        }
      }
    } catch (err) {
      if (procs) await (stop.done ??= stopProcessTree(procs, child)); // never leave codex running unread
      throw err;
    }
    const result = await child;
    await Promise.all(emits);
    if (ctx.signal.aborted) {
      const stopped = await stop.done;
      if (stopped?.survivors.length) ctx.log.error("codex processes survived cancel", { run_id: ctx.run.id, pids: stopped.survivors });
      throw ctx.signal.reason;
    }
    if (result.exitCode !== 0 && procs) await sweep(procs); // a crash may leave commands behind
    return await outcome(ctx, reader, threadId, { exitCode: result.exitCode, signal: result.signal, spawnError: pid ? null : result.message ?? "spawn failed", stderr: stderr.summary() }, emit, emits);
  } finally {
    clearInterval(watch);
    ctx.signal.removeEventListener("abort", onAbort);
  }
}

interface Exit {
  exitCode: number | undefined;
  signal: string | undefined;
  spawnError: string | null;
  stderr: string;
}

/** Decide how the turn ended, from codex's events first and its exit second. */
async function outcome(ctx: RunContext, reader: CodexTurnReader, requested: string | null, exit: Exit, emit: (e: RunEventOut) => void, emits: Promise<void>[]): Promise<ProviderResult> {
  const tail = exit.stderr ? `; codex stderr: ${exit.stderr}` : "";
  if (exit.spawnError) throw new Error(`could not start codex: ${exit.spawnError}`);
  if (reader.failure !== null) throw new Error(`codex turn failed: ${reader.failure}${tail}`);
  if (requested && exit.exitCode !== 0 && /no rollout found/i.test(exit.stderr)) {
    emit({ eventType: "codex.thread_not_found", data: { requested_thread_id: requested, stderr: exit.stderr } });
    await ctx.setThreadId(NO_THREAD);
    await Promise.all(emits);
    throw new Error(
      `codex cannot find this session's thread ${requested} (no rollout found: was CODEX_HOME changed or its sessions/ directory removed?); ` +
        "the earlier codex conversation is lost, the stored thread was cleared: send the message again to start a new codex thread",
    );
  }
  if (exit.signal) throw new Error(`codex was killed by ${exit.signal}${tail}`);
  if (exit.exitCode !== 0) throw new Error(`codex exited with code ${exit.exitCode}${reader.warning ? ` (last warning: ${reader.warning})` : ""}${tail}`);
  if (!reader.completed) throw new Error(`codex exited without completing the turn (no turn.completed event)${tail}`);
  if (reader.mismatch) {
    throw new Error(
      `codex did not resume thread ${reader.mismatch.requested}: it answered in a new thread ${reader.mismatch.actual} without the earlier conversation; ` +
        "the new thread is now stored for this session and the reply is in the run's events: send the message again if it needed the earlier context",
    );
  }
  return { text: reader.finalMessage ?? "", usage: reader.turnUsage ? toRunUsage(reader.turnUsage) : undefined };
}
