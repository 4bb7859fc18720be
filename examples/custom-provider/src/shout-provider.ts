import type { Provider, ProviderResult, RunContext } from "@agentd/core";

export interface ShoutConfig {
  prefix: string;
  delayMs: number;
}

/** Waits `ms`, or rejects as soon as the run is canceled (a provider must stop promptly). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

/**
 * The smallest useful provider: no model, no process. The "thread" is a turn counter stored with
 * `setThreadId`, the way a CLI provider stores its CLI's session id to resume it next turn.
 */
export class ShoutProvider implements Provider {
  readonly name = "shout";
  readonly description = "answers in capitals (example plugin)";

  constructor(private readonly config: ShoutConfig) {}

  availability() {
    return { ok: true };
  }

  describe(): Record<string, unknown> {
    return { prefix: this.config.prefix, delay_ms: this.config.delayMs };
  }

  async run(ctx: RunContext): Promise<ProviderResult> {
    const turn = Number(/^shout-(\d+)$/.exec(ctx.threadId ?? "")?.[1] ?? 0) + 1;
    await ctx.emit("shout.turn", { turn, resumed: ctx.threadId !== null });
    ctx.setDiagnostics({ shout_turn: turn });
    if (this.config.delayMs > 0) await pause(this.config.delayMs, ctx.signal);
    await ctx.setThreadId(`shout-${turn}`);
    return { text: `${this.config.prefix}${ctx.prompt.toUpperCase()}` };
  }
}
