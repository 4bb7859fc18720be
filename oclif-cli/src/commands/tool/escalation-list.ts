import { BaseCommand, Flags } from "../../base-command.ts";
import { keyValues } from "../../output/style.ts";

export default class ToolEscalationListCommand extends BaseCommand<typeof ToolEscalationListCommand> {
  static override summary = "List the escalations children raised to a session (default: this run's session).";
  static override examples = ['<%= config.bin %> --field escalations.0.id tool escalation-list --status pending'];
  static override flags = {
    "session-id": Flags.string({ summary: "The parent session (set for you inside a run).", env: "AGENTD_SESSION_ID", required: true }),
    status: Flags.option({ options: ["pending", "resolved"] as const, summary: "Only these." })(),
  };

  async run(): Promise<void> {
    const res = await this.client.listEscalations(this.flags["session-id"], { status: this.flags.status });
    this.output(res, (r: typeof res) =>
      r.escalations.length ? r.escalations.map((e) => keyValues([["escalation", e.id], ["kind", e.kind], ["status", e.status], ["child", e.child_session_id], ["text", e.text]])).join("\n\n") : "no escalations",
    );
  }
}
