import { BaseCommand, Flags } from "../../base-command.ts";
import { keyValues } from "../../output/style.ts";
import { summarize } from "../../render/tool-result.ts";

export default class ToolSessionSendCommand extends BaseCommand<typeof ToolSessionSendCommand> {
  static override summary = "Send text to another session of your session tree (agent-to-agent).";
  static override examples = ['<%= config.bin %> tool session-send --session-id "$CHILD_SESSION_ID" --text "also cover the error paths"'];
  static override flags = {
    "session-id": Flags.string({ summary: "Target session.", required: true }),
    text: Flags.string({ summary: "Message text.", required: true }),
    "idempotency-key": Flags.string({ summary: "Idempotency key (generated when omitted)." }),
  };

  async run(): Promise<void> {
    const res = await this.client.sendToSession(this.flags["session-id"], { text: this.flags.text }, { idempotencyKey: this.flags["idempotency-key"] });
    this.output(res, (r: Record<string, unknown>) => keyValues(summarize(r)));
  }
}
