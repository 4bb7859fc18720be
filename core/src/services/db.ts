import type { Logger } from "../providers/types.ts";
import type { Storage, StorageTx } from "../storage/types.ts";
import type { AgentEvent } from "../types.ts";
import type { EventLog } from "./event-log.ts";
import type { GatewayHooks } from "../kernel/hooks.ts";

/** A transaction plus the event log: what a service writes with. */
export interface Writer {
  tx: StorageTx;
  event(sessionId: string, runId: string | null, eventType: string, data: Record<string, unknown>): AgentEvent;
  /** Run after the transaction is durable (e.g. wake the queue). */
  afterCommit(fn: () => void): void;
}

export interface WriteResult<T> {
  value: T;
  /** Settles once durable and published. */
  durable: Promise<void>;
}

/**
 * The one way services write: a synchronous transaction that may append events. Events are
 * published (subscribers, `onRunEvent`) only after the storage says the transaction is durable.
 */
export class Db {
  private stranded: Array<() => void> = [];

  constructor(
    readonly storage: Storage,
    readonly events: EventLog,
    private readonly hooks: GatewayHooks,
    private readonly log: Logger,
  ) {
    storage.onRecover?.(() => {
      const pending = this.stranded;
      this.stranded = [];
      for (const complete of pending) complete();
    });
  }

  /** Write and wait for durability: use before acknowledging a client. */
  async write<T>(fn: (w: Writer) => T): Promise<T> {
    const { value, durable } = this.writeNow(fn);
    await durable;
    return value;
  }

  /** Write now; durability follows. For internal steps that need not hold up the caller. */
  writeNow<T>(fn: (w: Writer) => T): WriteResult<T> {
    const appended: AgentEvent[] = [];
    const after: Array<() => void> = [];
    const seqBefore = this.events.peekNextSeq();
    let committed;
    try {
      committed = this.storage.transact((tx) =>
        fn({
          tx,
          event: (sessionId, runId, type, data) => {
            const e = this.events.append(tx, sessionId, runId, type, data);
            appended.push(e);
            return e;
          },
          afterCommit: (cb) => after.push(cb),
        }),
      );
    } catch (err) {
      this.events.rewindTo(seqBefore);
      throw err;
    }
    const complete = (): void => {
      this.events.publish(appended, (err) => this.log.error("event subscriber threw", { err: String(err) }));
      for (const event of appended) {
        try {
          this.hooks.onRunEvent.call(event);
        } catch (err) {
          this.log.error("onRunEvent tap threw; the event is stored, the tap should be fixed", { err: String(err), seq: event.seq });
        }
      }
      for (const cb of after) cb();
    };
    // A write whose durability failed is still in memory and the storage keeps retrying it (no
    // new write is accepted meanwhile): complete it once the storage recovers, so streams and the
    // queue stay in step with what is stored.
    const durable = committed.durable.then(complete, (err: unknown) => {
      this.stranded.push(complete);
      throw err;
    });
    // Callers that do not await still must not produce unhandled rejections.
    durable.catch(() => undefined);
    return { value: committed.value, durable };
  }

  get read(): Storage {
    return this.storage;
  }
}
