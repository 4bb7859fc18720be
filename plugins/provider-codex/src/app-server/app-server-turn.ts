/**
 * One run on the app-server transport. Lifecycle: one `codex app-server` process per run, started
 * when the run starts and stopped when its turn ends (stdin closed, then the process-tree stop of
 * the exec transport). The session's codex thread outlives the process: the next run resumes it
 * with `thread/resume`. Per run keeps cancel simple (no process survives its run) and needs no
 * idle timers; the price is codex's start-up (well under a second) on every turn.
 */
import type { ProviderResult, RunContext } from "@agentd/core";
import { DeltaCoalescer, VERSION } from "@agentd/core";
import { execa } from "execa";
import type { RunEventOut } from "../jsonl-events.ts";
import { childEnv, checkSessionCwd, resolveCodexBin, type CodexConfig } from "../invocation.ts";
import { RunProcesses, stopProcessTree, sweep } from "../process-tree.ts";
import { StderrTail } from "../stderr-tail.ts";
import { toRunUsage, type CodexUsage } from "../usage.ts";
import { checkAppServerVersion } from "../version.ts";
import { APPROVAL_METHODS, toApprovalRequest, toCodexDecision } from "./approvals.ts";
import { AppServerTurnReader } from "./events.ts";
import { AppServerRpc, RpcError, type Json, type ServerRequest } from "./rpc.ts";

export interface AppServerTurnDeps {
  config: CodexConfig;
  previousTotal(sessionId: string, threadId: string): CodexUsage | null;
  invocation(argv: string[] | null, bin?: string): Record<string, unknown>;
}

/** `codex app-server` argv: the exec transport's config overrides, then the operator's extra args. */
export function appServerArgs(config: CodexConfig): string[] {
  return [
    "app-server",
    "-c", "allow_login_shell=false",
    ...(config.sandboxNetwork && config.sandbox === "workspace-write" ? ["-c", "sandbox_workspace_write.network_access=true"] : []),
    ...config.extraArgs,
  ];
}

export async function runAppServerTurn(ctx: RunContext, { config, previousTotal, invocation }: AppServerTurnDeps): Promise<ProviderResult> {
  const found = resolveCodexBin(config.bin);
  if (!found.ok) throw new Error(found.reason);
  const version = checkAppServerVersion(found.path);
  if (!version.ok) throw new Error(version.reason);
  if (config.profile) throw new Error("--codex-profile is not supported by --codex-transport app-server (codex app-server has no -p): pass settings with --codex-extra-arg -c --codex-extra-arg key=value");
  const cwd = checkSessionCwd(ctx);
  if (ctx.signal.aborted) throw ctx.signal.reason;

  const args = appServerArgs(config);
  ctx.setDiagnostics({ ...invocation([found.path, ...args], found.path), codex_transport: "app-server", codex_version: version.version });
  const child = execa(found.path, args, { cwd, env: childEnv(ctx.env), extendEnv: false, detached: true, stdin: "pipe", buffer: false, reject: false });
  const pid = child.pid;
  if (!pid) {
    const r = await child;
    throw new Error(`could not start codex app-server: ${r.message ?? "spawn failed"}`);
  }
  const procs = new RunProcesses(pid);
  ctx.setPid(pid);
  const stderr = new StderrTail();
  child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));

  // Aborted when codex is gone, so an approval still waiting is closed instead of hanging.
  const gone = new AbortController();
  const exited = child.then((r) => {
    const why = `codex app-server exited (${r.signal ? `signal ${r.signal}` : `code ${r.exitCode}`})${stderr.summary() ? `; stderr: ${stderr.summary()}` : ""}`;
    gone.abort(new Error(why));
    return why;
  });

  const emits: Promise<void>[] = [];
  const emit = (e: RunEventOut): void => {
    emits.push(ctx.emit(e.eventType, e.data).catch((err: unknown) => ctx.log.warn("codex event not recorded", { run_id: ctx.run.id, event_type: e.eventType, error: String(err) })));
  };
  let deltaItem: string | null = null;
  const deltas = new DeltaCoalescer((text) => emit({ eventType: "assistant.delta", data: { item_id: deltaItem, text } }));

  const requested = ctx.threadId || null;
  let threadId: string | null = null;
  const reader = new AppServerTurnReader(() => threadId, requested ? previousTotal(ctx.session.id, requested) : null);
  let turnEnded!: () => void;
  const turnDone = new Promise<void>((r) => (turnEnded = r));

  const answerApproval = async (req: ServerRequest): Promise<void> => {
    const approval = toApprovalRequest(req, reader.items);
    try {
      const answer = await ctx.requestApproval(approval, { timeoutMs: config.approvalTimeoutS * 1000, signal: gone.signal });
      const decision = toCodexDecision(answer);
      emit({ eventType: "tool.approval", data: { item_id: req.params.itemId ?? null, escalation_id: answer.escalation_id, decision: answer.decision, codex_decision: decision, decided_by: answer.decided_by, text: answer.text } });
      rpc.respond(req.id, { decision });
    } catch (err) {
      // Canceled or codex gone: the escalation is closed; tell codex (if alive) not to run it.
      ctx.log.info("codex approval not answered", { run_id: ctx.run.id, reason: String(err) });
      rpc.respond(req.id, { decision: "cancel" });
    }
  };

  const rpc = new AppServerRpc(child.stdin!, child.stdout!, {
    notification(method, params) {
      for (const event of reader.notification(method, params)) {
        if (event.eventType === "assistant.delta") {
          if (deltaItem !== event.data.item_id) deltas.flush();
          deltaItem = event.data.item_id as string | null;
          deltas.push(String(event.data.text));
          continue;
        }
        deltas.flush();
        if (event.eventType === "tool.command" && event.data.phase === "started") procs.snapshot();
        emit(event);
      }
      if (reader.completed) turnEnded();
    },
    request(req) {
      if (APPROVAL_METHODS.has(req.method)) return void answerApproval(req);
      emit({ eventType: "codex.event", data: { codex_method: req.method, params: req.params, unanswered: "agentd does not handle this request" } });
      rpc.respondError(req.id, -32601, `agentd does not handle ${req.method}`);
    },
  });
  void exited.then((why) => rpc.close(new Error(why)));

  const aborted = new Promise<never>((_, reject) => {
    const onAbort = (): void => reject(ctx.signal.reason);
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  const ended = exited.then((why): never => {
    throw new Error(`${why} before the turn completed`);
  });
  ended.catch(() => undefined);
  const step = <T>(p: Promise<T>): Promise<T> => Promise.race([p, aborted, ended]);

  // As for exec: keep the recorded tree current, since commands outlive their parent links.
  const watch = setInterval(() => procs.snapshot(), 1000).unref();
  let turnId: string | null = null;
  try {
    await step(rpc.request("initialize", { clientInfo: { name: "agentd", title: "agentd", version: VERSION } }));
    rpc.notify("initialized");
    const threadParams = { cwd, approvalPolicy: config.approvalPolicy, sandbox: config.sandbox, model: ctx.run.model ?? ctx.session.model ?? config.model ?? null };
    let thread: Json;
    try {
      thread = requested ? await step(rpc.request("thread/resume", { threadId: requested, ...threadParams })) : await step(rpc.request("thread/start", threadParams));
    } catch (err) {
      if (requested && err instanceof RpcError) {
        emit({ eventType: "codex.thread_not_found", data: { requested_thread_id: requested, error: err.message } });
        await ctx.setThreadId("");
        throw new Error(`codex cannot resume this session's thread ${requested} (${err.message}); the stored thread was cleared: send the message again to start a new codex thread`);
      }
      throw err;
    }
    threadId = String((thread.thread as Json | undefined)?.id ?? "");
    emit({ eventType: "codex.thread_started", data: { thread_id: threadId, resumed: requested === threadId, transport: "app-server" } });
    if (threadId && threadId !== requested) await ctx.setThreadId(threadId);
    const turn = await step(rpc.request("turn/start", { threadId, input: [{ type: "text", text: ctx.prompt }] }));
    turnId = String((turn.turn as Json | undefined)?.id ?? "");
    await step(turnDone);
    deltas.flush();
    await Promise.all(emits);
    if (reader.status === "failed") throw new Error(`codex turn failed: ${reader.failure}`);
    if (reader.status === "interrupted") throw new Error("codex interrupted the turn (an approval answered with cancel, or codex stopped it)");
    if (requested && threadId !== requested) {
      throw new Error(`codex did not resume thread ${requested}: it answered in a new thread ${threadId} without the earlier conversation; the new thread is now stored for this session`);
    }
    return { text: reader.finalMessage ?? "", usage: reader.turnUsage ? toRunUsage(reader.turnUsage) : undefined };
  } catch (err) {
    deltas.discard();
    if (ctx.signal.aborted && turnId && threadId && !gone.signal.aborted) {
      // Ask codex to stop the turn (it stops its commands), then stop the process either way.
      await Promise.race([rpc.request("turn/interrupt", { threadId, turnId }).catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
    }
    throw err;
  } finally {
    clearInterval(watch);
    await shutdown(child, procs, ctx);
    await Promise.allSettled(emits);
  }
}

/** End of the run: close stdin (app-server exits on EOF), then signal and sweep what is left. */
async function shutdown(child: ReturnType<typeof execa>, procs: RunProcesses, ctx: RunContext): Promise<void> {
  procs.snapshot();
  child.stdin?.end();
  const quick = await Promise.race([child.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 1500).unref())]);
  const stopped = quick ? { survivors: (await sweep(procs)).survivors } : await stopProcessTree(procs, child);
  if (stopped.survivors.length) ctx.log.error("codex app-server processes survived the end of the run", { run_id: ctx.run.id, pids: stopped.survivors });
}
