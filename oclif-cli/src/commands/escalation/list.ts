import { BaseCommand, Flags } from "../../base-command.ts";
import { escalationsView, STATUSES } from "../../escalations.ts";

export default class EscalationListCommand extends BaseCommand<typeof EscalationListCommand> {
  static override summary = "List escalations you can answer: approvals of any provider and children's reply-parent requests.";
  static override description =
    "Without --session-id: every escalation raised to a session this token can see (a run's own request is never listed for that run). With --session-id: those raised to that session. Default: pending ones.";
  static override examples = [
    "<%= config.bin %> escalation list",
    '<%= config.bin %> --field escalations.0.id escalation list --session-id "$SESSION_ID"',
    "<%= config.bin %> --format json escalation list --status all",
  ];
  static override flags = {
    "session-id": Flags.string({ summary: "Only escalations raised to this session." }),
    status: Flags.option({ options: [...STATUSES, "all"] as const, summary: "Only these (default pending).", default: "pending" })(),
  };

  async run(): Promise<void> {
    const status = this.flags.status === "all" ? undefined : this.flags.status;
    const sessionId = this.flags["session-id"];
    const res = sessionId ? await this.client.listEscalations(sessionId, { status }) : await this.client.listAllEscalations({ status });
    this.output(res, (r: typeof res) => escalationsView(r.escalations));
  }
}
