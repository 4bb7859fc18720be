import { BaseCommand, Flags } from "../../base-command.ts";
import { sessionView } from "../../render/resources.ts";
import type { SessionResponse } from "@agentd/core/client";

export default class SessionGetCommand extends BaseCommand<typeof SessionGetCommand> {
  static override summary = "Show one session.";
  static override examples = ['<%= config.bin %> session get --session-id "$SESSION_ID"'];
  static override flags = {
    "session-id": Flags.string({ summary: "Session id (set for you inside a run).", env: "AGENTD_SESSION_ID", required: true }),
  };

  async run(): Promise<void> {
    this.output(await this.client.getSession(this.flags["session-id"]), (r: SessionResponse) => sessionView(r.session));
  }
}
