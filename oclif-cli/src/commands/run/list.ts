import { BaseCommand, Flags } from "../../base-command.ts";
import { runTable } from "../../render/run-table.ts";
import type { RunListResponse } from "@agentd/core/client";

export default class RunListCommand extends BaseCommand<typeof RunListCommand> {
  static override summary = "List runs visible to your token (oldest first, paged).";
  static override examples = [
    "<%= config.bin %> run list --status running",
    '<%= config.bin %> run list --session-id "$SESSION_ID" --limit 20',
    "<%= config.bin %> --field runs.0.id run list --status failed --limit 1",
  ];
  static override flags = {
    "session-id": Flags.string({ summary: "Only runs of this session." }),
    status: Flags.string({ summary: "Only runs in this status.", options: ["queued", "running", "completed", "failed", "canceled"] }),
    limit: Flags.integer({ summary: "Page size (1-500).", min: 1, max: 500 }),
    cursor: Flags.string({ summary: "next_cursor of the previous page." }),
  };

  async run(): Promise<void> {
    const { limit, cursor, status } = this.flags;
    const res = await this.client.listRuns({ session_id: this.flags["session-id"], status: status as RunListResponse["runs"][number]["status"] | undefined, limit, cursor });
    this.output(res, (r: RunListResponse) => runTable(r.runs) + (r.next_cursor ? `\nmore: --cursor ${r.next_cursor}` : ""));
  }
}
