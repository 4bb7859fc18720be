/**
 * Shared by providers that stream text (the embedded runtime, codex app-server).
 * Coalesces a model's tiny text deltas into fewer `assistant.delta` events: a fast model sends a
 * token every few milliseconds, and one durable event per token would flood the event log.
 * Policy: buffer text and flush when it reaches `maxBytes`, or `intervalMs` after the first
 * buffered piece, whichever comes first; flush what is left when the step ends.
 */
export class DeltaCoalescer {
  private buffer = "";
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly emit: (text: string) => void,
    private readonly intervalMs = 50,
    private readonly maxBytes = 2048,
  ) {}

  push(text: string): void {
    if (!text) return;
    this.buffer += text;
    if (Buffer.byteLength(this.buffer) >= this.maxBytes) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.buffer) return;
    const text = this.buffer;
    this.buffer = "";
    this.emit(text);
  }

  /** Drop pending text without emitting (the run was aborted). */
  discard(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.buffer = "";
  }
}
