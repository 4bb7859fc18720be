import { BaseCommand, Flags } from "../../base-command.ts";
import { escalationsView, STATUSES } from "../../escalations.ts";

export default class ToolEscalationListCommand extends BaseCommand<typeof ToolEscalationListCommand> {
  static override summary = "List the escalations children raised to a session (default: this run's session).";
  static override examples = ['<%= config.bin %> --field escalations.0.id tool escalation-list --status pending'];
  static override flags = {
    "session-id": Flags.string({ summary: "The parent session (set for you inside a run).", env: "AGENTD_SESSION_ID", required: true }),
    status: Flags.option({ options: STATUSES, summary: "Only these." })(),
  };

  async run(): Promise<void> {
    const res = await this.client.listEscalations(this.flags["session-id"], { status: this.flags.status });
    this.output(res, (r: typeof res) => escalationsView(r.escalations));
  }
}
