import type { AgentEvent } from "@agentd/core/client";
import { BaseCommand, Flags } from "../../base-command.ts";
import { followEvents } from "../../events/follow.ts";
import { eventLine } from "../../render/resources.ts";

export default class EventsTailCommand extends BaseCommand<typeof EventsTailCommand> {
  static override summary = "Print a session's events, one line per event; --follow keeps streaming live events.";
  static override description =
    "Without --follow it prints every event after --cursor and exits. With --follow it streams over SSE and, when the connection drops (daemon restart), resumes from the last event it printed: no event is lost or repeated. " +
    "--format json prints one compact JSON event per line; --field prints one value per event.";
  static override examples = [
    '<%= config.bin %> events tail --session-id "$SESSION_ID"',
    '<%= config.bin %> events tail --session-id "$SESSION_ID" --follow',
    '<%= config.bin %> --field event_type events tail --session-id "$SESSION_ID" --cursor 10',
  ];
  static override flags = {
    "session-id": Flags.string({ summary: "Session id (set for you inside a run).", env: "AGENTD_SESSION_ID", required: true }),
    cursor: Flags.integer({ summary: "Start after this seq (0 = from the beginning).", min: 0, default: 0 }),
    follow: Flags.boolean({ char: "f", summary: "Keep streaming live events until interrupted (Ctrl-C)." }),
  };

  private last = 0;

  async run(): Promise<void> {
    const sessionId = this.flags["session-id"];
    this.last = this.flags.cursor;
    // Check the session first so a typo fails fast with the daemon's 404 instead of an idle stream.
    await this.client.getSession(sessionId);
    if (!this.flags.follow) {
      for (;;) {
        const page = await this.client.listEvents(sessionId, { cursor: this.last, limit: 1000 });
        for (const e of page.events) this.print(e);
        if (page.events.length < 1000) return;
      }
    }
    await followEvents({
      baseUrl: this.flags.url,
      token: this.flags["auth-token"],
      sessionId,
      cursor: this.last,
      onEvent: (e) => this.print(e),
      onStatus: (message) => process.stderr.write(`agentctl: ${message}\n`),
    });
  }

  /** Prints each seq once, in order (a resumed stream may repeat what was already printed). */
  private print(e: AgentEvent): void {
    if (e.seq <= this.last) return;
    this.last = e.seq;
    process.stdout.write(`${this.render(e, eventLine)}\n`);
  }
}
