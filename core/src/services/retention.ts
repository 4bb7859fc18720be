import { AgentdError } from "../errors.ts";
import type { Db } from "./db.ts";

const WATERMARK = "events_purged_through";

/**
 * Event retention: events older than the configured age are deleted (hourly). Cursors at or
 * after the newest deleted seq keep working; an older cursor could have missed events, so it is
 * answered with 410 `cursor_expired` instead of silently skipping them.
 */
export class EventRetention {
  private purgedThrough = 0;

  constructor(
    private readonly db: Db,
    readonly retentionDays: number,
  ) {
    this.purgedThrough = Number(db.read.get("SELECT value FROM kv WHERE key = ?", [WATERMARK])?.value ?? 0);
  }

  /** The newest seq deleted by retention (0 when nothing was). */
  get watermark(): number {
    return this.purgedThrough;
  }

  /** Throws 410 for a cursor whose following events may have been deleted. 0 means "the oldest retained". */
  assertCursor(cursor: number): void {
    if (cursor > 0 && cursor < this.purgedThrough) {
      throw new AgentdError(
        "cursor_expired",
        `events up to seq ${this.purgedThrough} were deleted by retention (--event-retention-days ${this.retentionDays}); cursor ${cursor} may have missed some. Reload the session state and resume from cursor ${this.purgedThrough}.`,
        { cursor, oldest_valid_cursor: this.purgedThrough },
      );
    }
  }

  /** Delete expired events; returns how many. */
  async purge(now = Date.now()): Promise<number> {
    if (this.retentionDays <= 0) return 0;
    const cutoff = new Date(now - this.retentionDays * 86_400_000).toISOString();
    const newest = this.db.read.get("SELECT MAX(seq) AS m, COUNT(*) AS n FROM events WHERE created_at < ?", [cutoff]);
    const through = Number(newest?.m ?? 0);
    if (!through) return 0;
    await this.db.write((w) => {
      w.tx.run("DELETE FROM events WHERE seq <= ?", [through]);
      w.tx.run("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [WATERMARK, String(through)]);
    });
    this.purgedThrough = Math.max(this.purgedThrough, through);
    return Number(newest?.n ?? 0);
  }
}
