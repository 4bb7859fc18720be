import { BaseCommand, Flags } from "../../base-command.ts";
import { eventLine } from "../../render/resources.ts";
import type { EventsResponse } from "@agentd/core/client";

export default class EventsListCommand extends BaseCommand<typeof EventsListCommand> {
  static override summary = "List one page of a session's events after a cursor.";
  static override description = "Events are ordered by their global seq. Pass the printed next_cursor as --cursor to read the next page.";
  static override examples = [
    '<%= config.bin %> events list --session-id "$SESSION_ID"',
    '<%= config.bin %> --field next_cursor events list --session-id "$SESSION_ID" --cursor 0 --limit 50',
  ];
  static override flags = {
    "session-id": Flags.string({ summary: "Session id (set for you inside a run).", env: "AGENTD_SESSION_ID", required: true }),
    cursor: Flags.integer({ summary: "Only events with seq above this.", min: 0, default: 0 }),
    limit: Flags.integer({ summary: "Page size (1-1000).", min: 1, max: 1000 }),
  };

  async run(): Promise<void> {
    const res = await this.client.listEvents(this.flags["session-id"], { cursor: this.flags.cursor, limit: this.flags.limit });
    this.output(res, (r: EventsResponse) =>
      r.events.length ? `${r.events.map(eventLine).join("\n")}\nnext_cursor ${r.next_cursor}` : `no events after cursor ${this.flags.cursor}`,
    );
  }
}
