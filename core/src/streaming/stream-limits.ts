import { AgentdError } from "../errors.ts";

/** Tells a stream that the credentials it was opened with are gone (a run token revoked at run end). */
export interface Revocation {
  readonly revoked: boolean;
  /** Call `onRevoked` once when the principal is revoked; the returned function unregisters. */
  watch(onRevoked: () => void): () => void;
}

/** One open stream's slot: free it when the connection ends. */
export interface StreamSlot {
  /** Frees the slot (idempotent). */
  release: () => void;
  revocation: Revocation;
}

interface Holder {
  open: number;
  revoked: boolean;
  watchers: Set<() => void>;
}

/**
 * Open streams per principal. A client that leaks connections (a reconnect loop that never closes
 * the old one) hits a clear 429 instead of exhausting the daemon. It also knows every principal's
 * open streams, so revoking a principal (a run token when its run ends) closes them all.
 */
export class StreamLimiter {
  private readonly holders = new Map<string, Holder>();

  constructor(readonly maxPerPrincipal: number) {}

  /** Take a slot or throw 429. */
  acquire(principalId: string): StreamSlot {
    let holder = this.holders.get(principalId);
    const n = holder?.open ?? 0;
    if (n >= this.maxPerPrincipal) {
      throw new AgentdError("rate_limited", `this token already has ${n} open streams (limit ${this.maxPerPrincipal}, --max-streams-per-principal); close unused streams or reuse one all-sessions stream`, {
        limit: "max_streams_per_principal", open: n, max: this.maxPerPrincipal,
      });
    }
    if (!holder) this.holders.set(principalId, (holder = { open: 0, revoked: false, watchers: new Set() }));
    const h = holder;
    h.open++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        if (--h.open <= 0 && this.holders.get(principalId) === h) this.holders.delete(principalId);
      },
      revocation: {
        get revoked() {
          return h.revoked;
        },
        watch: (onRevoked) => {
          h.watchers.add(onRevoked);
          return () => h.watchers.delete(onRevoked);
        },
      },
    };
  }

  /** The principal's credentials are gone: tell each of its open streams; returns how many. */
  revoke(principalId: string): number {
    const holder = this.holders.get(principalId);
    if (!holder) return 0;
    this.holders.delete(principalId);
    holder.revoked = true;
    const watchers = [...holder.watchers];
    holder.watchers.clear();
    for (const w of watchers) w();
    return watchers.length;
  }

  get total(): number {
    let sum = 0;
    for (const h of this.holders.values()) sum += h.open;
    return sum;
  }
}
