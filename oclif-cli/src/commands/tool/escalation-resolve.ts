import { BaseCommand } from "../../base-command.ts";
import { resolveFlags } from "../../escalations.ts";
import { keyValues } from "../../output/style.ts";
import { summarize } from "../../render/tool-result.ts";

export default class ToolEscalationResolveCommand extends BaseCommand<typeof ToolEscalationResolveCommand> {
  static override summary = "Answer a child's escalation (approve, approve_for_session, deny or answer); the child resumes with the decision.";
  static override description =
    "Records the decision once (the same decision again returns the same result; a different one is refused with 409). A reply-parent request queues the child's next run with the decision as its message; a child's native approval (codex app-server) goes back to the waiting child run. Same as `agentctl escalation resolve`.";
  static override examples = [
    '<%= config.bin %> tool escalation-resolve --escalation-id "$ESC_ID" --decision approve --text "go ahead"',
    '<%= config.bin %> --field run.id tool escalation-resolve --escalation-id "$ESC_ID" --decision answer --text "use port 8080"',
  ];
  static override flags = resolveFlags;

  async run(): Promise<void> {
    const res = await this.client.resolveEscalation(this.flags["escalation-id"], { decision: this.flags.decision, text: this.flags.text }, { idempotencyKey: this.flags["idempotency-key"] });
    this.output(res, (r: Record<string, unknown>) => keyValues(summarize(r)));
  }
}
