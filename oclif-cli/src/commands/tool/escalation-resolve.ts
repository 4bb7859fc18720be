import { BaseCommand, Flags } from "../../base-command.ts";
import { keyValues } from "../../output/style.ts";
import { summarize } from "../../render/tool-result.ts";

export default class ToolEscalationResolveCommand extends BaseCommand<typeof ToolEscalationResolveCommand> {
  static override summary = "Answer a child's escalation (approve, deny or answer); the child resumes with the decision.";
  static override description =
    "Records the decision once (the same decision again returns the same result; a different one is refused with 409) and queues the child's next run with the decision as its message.";
  static override examples = [
    '<%= config.bin %> tool escalation-resolve --escalation-id "$ESC_ID" --decision approve --text "go ahead"',
    '<%= config.bin %> --field run.id tool escalation-resolve --escalation-id "$ESC_ID" --decision answer --text "use port 8080"',
  ];
  static override flags = {
    "escalation-id": Flags.string({ summary: "The escalation (escalation.id of reply-parent, or the escalation.requested event).", required: true }),
    decision: Flags.option({ options: ["approve", "deny", "answer"] as const, summary: "The decision.", required: true })(),
    text: Flags.string({ summary: "Why, or the answer itself (required for answer).", default: "" }),
    "idempotency-key": Flags.string({ summary: "Idempotency key (generated when omitted)." }),
  };

  async run(): Promise<void> {
    const res = await this.client.resolveEscalation(this.flags["escalation-id"], { decision: this.flags.decision, text: this.flags.text }, { idempotencyKey: this.flags["idempotency-key"] });
    this.output(res, (r: Record<string, unknown>) => keyValues(summarize(r)));
  }
}
