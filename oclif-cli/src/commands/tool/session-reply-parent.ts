import { BaseCommand, Flags } from "../../base-command.ts";
import { keyValues } from "../../output/style.ts";
import { summarize } from "../../render/tool-result.ts";

export default class ToolSessionReplyParentCommand extends BaseCommand<typeof ToolSessionReplyParentCommand> {
  static override summary = "Report to the parent session from a child run (answer, question or escalation).";
  static override description = "Inside a run, --run-id defaults to AGENTD_RUN_ID and the token to AGENTCTL_AUTH_TOKEN.";
  static override examples = ['<%= config.bin %> tool session-reply-parent --text "done: 12 tests added" --request-kind result'];
  static override flags = {
    "run-id": Flags.string({ summary: "The child run replying [env AGENTD_RUN_ID].", env: "AGENTD_RUN_ID", required: true }),
    text: Flags.string({ summary: "What to tell the parent.", required: true }),
    "request-kind": Flags.string({ summary: "Kind of request for the parent (see docs/api-contract.md for the accepted kinds).", required: true }),
    "idempotency-key": Flags.string({ summary: "Idempotency key (generated when omitted)." }),
  };

  async run(): Promise<void> {
    const res = await this.client.replyParent(
      this.flags["run-id"],
      { text: this.flags.text, request_kind: this.flags["request-kind"] },
      { idempotencyKey: this.flags["idempotency-key"] },
    );
    this.output(res, (r: Record<string, unknown>) => keyValues(summarize(r)));
  }
}
