/** The `claude-code` provider: one run = one `claude -p` process, resuming the session's claude session. */
import { statSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Provider, ProviderResult, RunContext } from "@agentd/core";
import { childEnv } from "@agentd/plugin-provider-codex/invocation";
import { RunProcesses, stopProcessTree, sweep } from "@agentd/plugin-provider-codex/process-tree";
import { StderrTail } from "@agentd/plugin-provider-codex/stderr-tail";
import { execa } from "execa";
import { buildArgs, PERMISSION_TOOL, resolveClaudeBin, type ClaudeConfig } from "./invocation.ts";
import { startPermissionBridge, type PermissionBridge } from "./permission-bridge.ts";
import { toApprovalRequest, toClaudeDecision, type ClaudePermissionDecision, type ClaudePermissionRequest } from "./permissions.ts";
import { ClaudeTurnReader, type RunEventOut } from "./stream-events.ts";

/** The stored session id when a session has none (a lost claude session is reset to this). */
const NO_SESSION = "";

export function createClaudeProvider(config: ClaudeConfig): Provider {
  const invocation = (extra: Record<string, unknown>) => ({
    claude_invocation: {
      bin: config.bin,
      model: config.model ?? null,
      permission_mode: config.permissionMode ?? null,
      allowed_tools: config.allowedTools,
      extra_args: config.extraArgs,
      permission_prompt_tool: config.permissionPrompt ? PERMISSION_TOOL : null,
      prompt_via: "stdin",
      argv: null,
      ...extra,
    },
  });
  return {
    name: "claude-code",
    description: "Claude Code CLI (claude -p --output-format stream-json), one claude session per agentd session",
    async availability() {
      const found = await resolveClaudeBin(config.bin);
      return found.ok ? { ok: true } : { ok: false, reason: found.reason };
    },
    describe: () => invocation({}),
    run: (ctx) => runTurn(ctx, config, invocation),
  };
}

async function runTurn(ctx: RunContext, config: ClaudeConfig, invocation: (extra: Record<string, unknown>) => Record<string, unknown>): Promise<ProviderResult> {
  const found = await resolveClaudeBin(config.bin);
  if (!found.ok) throw new Error(found.reason);
  const cwd = ctx.session.cwd ?? process.cwd();
  if (!isDirectory(cwd)) throw new Error(`the session's cwd ${cwd} is not an existing directory: create it, or start a new session with an existing cwd`);
  if (ctx.signal.aborted) throw ctx.signal.reason;

  const sessionId = ctx.threadId || null;
  const emits: Promise<void>[] = [];
  const emit = (e: RunEventOut): void => {
    emits.push(ctx.emit(e.eventType, e.data).catch((err: unknown) => ctx.log.warn("claude event not recorded", { run_id: ctx.run.id, event_type: e.eventType, error: String(err) })));
  };
  const bridge = config.permissionPrompt ? await startPermissionBridge((req, gone) => decidePermission(ctx, config, cwd, req, gone, emit)) : null;
  try {
    return await spawnTurn(ctx, config, invocation, found, cwd, sessionId, bridge, emit, emits);
  } finally {
    await bridge?.close();
  }
}

/**
 * One permission request of claude, as a native approval: it waits (run.waiting) in the parent
 * session or, without parent, in the run's own session; session grants and onEscalate policies
 * answer at once. Never throws: anything but an approval is a denial claude reads.
 */
async function decidePermission(ctx: RunContext, config: ClaudeConfig, cwd: string, req: ClaudePermissionRequest, gone: AbortSignal, emit: (e: RunEventOut) => void): Promise<ClaudePermissionDecision> {
  try {
    const answer = await ctx.requestApproval(toApprovalRequest(req, cwd), { timeoutMs: config.permissionTimeoutS * 1000, signal: gone });
    const decision = toClaudeDecision(answer, req);
    emit({ eventType: "tool.approval", data: { tool_use_id: req.tool_use_id ?? null, tool_name: req.tool_name, escalation_id: answer.escalation_id, decision: answer.decision, claude_behavior: decision.behavior, decided_by: answer.decided_by, text: answer.text } });
    return decision;
  } catch (err) {
    // Canceled, or claude gone: the escalation is closed by the approval service.
    ctx.log.info("claude permission request not answered", { run_id: ctx.run.id, tool_name: req.tool_name, reason: String(err) });
    return { behavior: "deny", message: `agentd: the permission request for ${req.tool_name} was not answered (${err instanceof Error ? err.message : String(err)}); nothing was approved` };
  }
}

async function spawnTurn(
  ctx: RunContext,
  config: ClaudeConfig,
  invocation: (extra: Record<string, unknown>) => Record<string, unknown>,
  found: { path: string; version: string },
  cwd: string,
  sessionId: string | null,
  bridge: PermissionBridge | null,
  emit: (e: RunEventOut) => void,
  emits: Promise<void>[],
): Promise<ProviderResult> {
  const args = buildArgs({
    model: ctx.run.model ?? ctx.session.model ?? config.model,
    permissionMode: config.permissionMode,
    allowedTools: config.allowedTools,
    extraArgs: config.extraArgs,
    sessionId,
    mcpConfig: bridge?.mcpConfigPath ?? null,
  });
  ctx.setDiagnostics(invocation({ bin: found.path, version: found.version, argv: [found.path, ...args], prompt_chars: ctx.prompt.length }));
  const reader = new ClaudeTurnReader(sessionId);

  const child = execa(found.path, args, {
    cwd,
    env: { ...childEnv(ctx.env), DISABLE_AUTOUPDATER: "1", MCP_TOOL_TIMEOUT: String((config.permissionTimeoutS + 30) * 1000) },
    extendEnv: false,
    detached: true, // its own process group, so the whole group can be signalled
    input: ctx.prompt, // the prompt on stdin, then EOF: never parsed as a flag
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
  // Keep the recorded tree current: claude runs each Bash command in a session of its own.
  const watch = setInterval(() => procs?.snapshot(), 1000).unref();
  let stored = sessionId;
  try {
    try {
      if (child.stdout) {
        for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) {
          for (const event of reader.push(line)) {
            if (event.eventType === "tool.call" && event.data.phase === "started") procs?.snapshot();
            emit(event);
          }
          // Persist a new session as soon as claude names it: even a canceled turn can be resumed.
          if (reader.sessionId && reader.sessionId !== stored && !reader.errors.length) {
            stored = reader.sessionId;
            await ctx.setThreadId(stored);
          }
        }
      }
    } catch (err) {
      if (procs) await (stop.done ??= stopProcessTree(procs, child));
      throw err;
    }
    const result = await child;
    await Promise.all(emits);
    if (ctx.signal.aborted) {
      const stopped = await stop.done;
      if (stopped?.survivors.length) ctx.log.error("claude processes survived cancel", { run_id: ctx.run.id, pids: stopped.survivors });
      throw ctx.signal.reason;
    }
    if (procs) await sweep(procs); // a Bash command claude started in the background outlives it otherwise
    return await outcome(ctx, reader, sessionId, { exitCode: result.exitCode, signal: result.signal, spawnError: pid ? null : result.message ?? "spawn failed", stderr: stderr.summary() }, emit, emits);
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

/** Decide how the turn ended, from claude's result line first and its exit second. */
async function outcome(ctx: RunContext, reader: ClaudeTurnReader, requested: string | null, exit: Exit, emit: (e: RunEventOut) => void, emits: Promise<void>[]): Promise<ProviderResult> {
  const tail = exit.stderr ? `; claude stderr: ${exit.stderr}` : "";
  if (exit.spawnError) throw new Error(`could not start claude: ${exit.spawnError}`);
  if (requested && reader.errors.some((e) => /no conversation found/i.test(e))) {
    emit({ eventType: "claude.session_not_found", data: { requested_session_id: requested, errors: reader.errors } });
    await ctx.setThreadId(NO_SESSION);
    await Promise.all(emits);
    throw new Error(
      `claude cannot find this session's conversation ${requested} (was HOME or ~/.claude/projects changed, or the session's cwd moved?); ` +
        "the earlier claude conversation is lost, the stored session was cleared: send the message again to start a new claude session",
    );
  }
  if (reader.failure !== null) throw new Error(`claude turn failed: ${reader.failure}${tail}`);
  if (exit.signal) throw new Error(`claude was killed by ${exit.signal}${tail}`);
  if (exit.exitCode !== 0) throw new Error(`claude exited with code ${exit.exitCode}${tail}`);
  if (!reader.completed) throw new Error(`claude exited without a result line (the turn did not finish)${tail}`);
  if (reader.mismatch) {
    throw new Error(
      `claude did not resume session ${reader.mismatch.requested}: it answered in a new session ${reader.mismatch.actual} without the earlier conversation; ` +
        "the new session is now stored and the reply is in the run's events: send the message again if it needed the earlier context",
    );
  }
  return { text: reader.finalText ?? "", usage: reader.usage ?? undefined };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
