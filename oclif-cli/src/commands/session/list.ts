import { BaseCommand, Flags } from "../../base-command.ts";
import { sessionTable } from "../../render/resources.ts";
import type { SessionListResponse } from "@agentd/core/client";

export default class SessionListCommand extends BaseCommand<typeof SessionListCommand> {
  static override summary = "List sessions visible to your token (oldest first, paged).";
  static override examples = ["<%= config.bin %> session list", "<%= config.bin %> --field sessions.0.id session list --limit 1"];
  static override flags = {
    limit: Flags.integer({ summary: "Page size (1-500).", min: 1, max: 500 }),
    cursor: Flags.string({ summary: "next_cursor of the previous page." }),
    "parent-session-id": Flags.string({ summary: "Only children of this session." }),
  };

  async run(): Promise<void> {
    const res = await this.client.listSessions({ limit: this.flags.limit, cursor: this.flags.cursor, parent_session_id: this.flags["parent-session-id"] });
    this.output(res, (r: SessionListResponse) => sessionTable(r.sessions) + (r.next_cursor ? `\nmore: --cursor ${r.next_cursor}` : ""));
  }
}
