import { BaseCommand } from "../../base-command.ts";
import { keyValues } from "../../output/style.ts";
import { resolveFlags } from "../../escalations.ts";
import { summarize } from "../../render/tool-result.ts";

export default class EscalationResolveCommand extends BaseCommand<typeof EscalationResolveCommand> {
  static override summary = "Answer an escalation: approve, approve_for_session, deny (approvals), or answer (reply-parent questions).";
  static override description =
    "A provider's approval (e.g. codex app-server asking to run a command) is delivered to the waiting run, whose same turn goes on; approve_for_session also answers the same request for the rest of the session. A child's reply-parent request queues the child's next run with the decision. Answering twice with something else is refused (409, with the earlier decision); an approval whose run already ended is closed (409, with the reason).";
  static override examples = [
    '<%= config.bin %> escalation resolve --escalation-id "$ESC_ID" --decision approve --text "go ahead"',
    '<%= config.bin %> escalation resolve --escalation-id "$ESC_ID" --decision approve_for_session',
    '<%= config.bin %> escalation resolve --escalation-id "$ESC_ID" --decision deny --text "not on main"',
  ];
  static override flags = resolveFlags;

  async run(): Promise<void> {
    const res = await this.client.resolveEscalation(this.flags["escalation-id"], { decision: this.flags.decision, text: this.flags.text }, { idempotencyKey: this.flags["idempotency-key"] });
    this.output(res, (r: Record<string, unknown>) => keyValues(summarize(r)));
  }
}
