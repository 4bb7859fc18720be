import { AgentdError } from "../errors.ts";

/**
 * Open streams per principal. A client that leaks connections (a reconnect loop that never closes
 * the old one) hits a clear 429 instead of exhausting the daemon.
 */
export class StreamLimiter {
  private readonly open = new Map<string, number>();

  constructor(readonly maxPerPrincipal: number) {}

  /** Take a slot or throw 429; the returned function frees it (idempotent). */
  acquire(principalId: string): () => void {
    const n = this.open.get(principalId) ?? 0;
    if (n >= this.maxPerPrincipal) {
      throw new AgentdError("rate_limited", `this token already has ${n} open streams (limit ${this.maxPerPrincipal}, --max-streams-per-principal); close unused streams or reuse one all-sessions stream`, {
        limit: "max_streams_per_principal", open: n, max: this.maxPerPrincipal,
      });
    }
    this.open.set(principalId, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(principalId) ?? 1) - 1;
      if (left <= 0) this.open.delete(principalId);
      else this.open.set(principalId, left);
    };
  }

  get total(): number {
    let sum = 0;
    for (const n of this.open.values()) sum += n;
    return sum;
  }
}
