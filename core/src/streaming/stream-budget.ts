import type { Logger } from "../providers/types.ts";

/** What the budget needs of one stream (an EventFeed). */
export interface BudgetedStream {
  /** Bytes queued for the client; counted until the connection is gone, closing or not. */
  buffered(): number;
  /** False once the stream is closing: it cannot be shed again, but its bytes still count. */
  readonly sheddable: boolean;
  /** Close the stream through its slow-consumer path (with its resume cursor). */
  shed(): void;
}

export interface BudgetFacts {
  max_buffered_bytes: number;
  /** Bytes queued for all streams of all transports at the last measurement. */
  buffered_bytes: number;
  streams: number;
  /** Streams closed because the daemon-wide budget was exceeded, since start. */
  budget_closes: number;
}

/**
 * One buffered-bytes budget across every stream of every transport. Per-connection limits stop one
 * slow client; this stops many of them together (2,000 paused clients x 1 MiB each would be 2 GiB).
 *
 * The hot path only adds the bytes each delivery queues: the total can never exceed the last
 * measured total plus what was queued since (sockets only drain). The real sum (a pass over the
 * streams) is taken when that bound passes the budget and at least `slack` bytes were queued since
 * the last pass, so a burst costs one pass per `slack` bytes, not one per event. Past the budget,
 * the largest buffers are shed first until the total is back under three quarters of it.
 */
export class StreamBudget {
  private readonly members = new Set<BudgetedStream>();
  private measured = 0;
  private written = 0;
  private closes = 0;
  /** Overshoot allowed between measurements (and the amortization step). */
  readonly slack: number;
  /** Streams holding less than this are never shed: they are keeping up. */
  readonly minVictimBytes: number;

  constructor(
    readonly maxBytes: number,
    private readonly log?: Logger,
  ) {
    this.slack = Math.max(64 * 1024, Math.floor(maxBytes / 64));
    this.minVictimBytes = Math.max(16 * 1024, Math.floor(maxBytes / 4096));
  }

  add(stream: BudgetedStream): void {
    this.members.add(stream);
  }

  delete(stream: BudgetedStream): void {
    this.members.delete(stream);
  }

  /** A stream queued `bytes` more for its client. */
  wrote(bytes: number): void {
    this.written += bytes;
    if (this.written >= this.slack && this.measured + this.written > this.maxBytes) this.enforce();
  }

  /** Measure every stream and shed the largest buffers while the total is over the budget. */
  enforce(): void {
    let total = 0;
    const candidates: Array<{ stream: BudgetedStream; bytes: number }> = [];
    for (const stream of this.members) {
      const bytes = stream.buffered();
      // A closed stream whose transport never said it is gone, with nothing left: forget it.
      if (!stream.sheddable && bytes === 0) this.members.delete(stream);
      total += bytes;
      if (stream.sheddable && bytes >= this.minVictimBytes) candidates.push({ stream, bytes });
    }
    this.measured = total;
    this.written = 0;
    if (total <= this.maxBytes) return;
    candidates.sort((a, b) => b.bytes - a.bytes);
    const target = Math.floor((this.maxBytes * 3) / 4);
    let left = total;
    let shed = 0;
    for (const { stream, bytes } of candidates) {
      if (left <= target) break;
      stream.shed();
      left -= bytes;
      shed++;
    }
    this.closes += shed;
    this.log?.warn("stream buffer budget exceeded: closed the slowest streams with their resume cursor", {
      buffered_bytes: total, max_stream_buffer_bytes: this.maxBytes, closed: shed, streams: this.members.size,
      hint: "clients reconnect and resume; raise --max-stream-buffer-bytes if this is legitimate load",
    });
  }

  describe(): BudgetFacts {
    let total = 0;
    for (const stream of this.members) total += stream.buffered();
    return { max_buffered_bytes: this.maxBytes, buffered_bytes: total, streams: this.members.size, budget_closes: this.closes };
  }
}
