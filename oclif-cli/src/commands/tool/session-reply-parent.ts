import { BaseCommand, Flags } from "../../base-command.ts";
import { keyValues } from "../../output/style.ts";
import { summarize } from "../../render/tool-result.ts";

export default class ToolSessionReplyParentCommand extends BaseCommand<typeof ToolSessionReplyParentCommand> {
  static override summary = "Report to the parent session from a child run (answer, question or escalation).";
  static override description =
    "Inside a run, --run-id defaults to AGENTD_RUN_ID and the token to AGENTCTL_AUTH_TOKEN. The parent session gets a message and an escalation.requested event; its decision comes back as your session's next message (and queues your next run).";
  static override examples = [
    '<%= config.bin %> tool session-reply-parent --request-kind approval_request --text "Need approval to run: rm -rf ./tmp-cache"',
    '<%= config.bin %> --field escalation.id tool session-reply-parent --request-kind info --text "done: 12 tests added"',
  ];
  static override flags = {
    "run-id": Flags.string({ summary: "The child run replying (set for you inside a run).", env: "AGENTD_RUN_ID", required: true }),
    text: Flags.string({ summary: "What to tell the parent.", required: true }),
    "request-kind": Flags.string({ summary: "approval_request, permission_request, question or info.", required: true }),
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
