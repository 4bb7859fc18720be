import { BaseCommand, Flags } from "../../base-command.ts";
import { messageRunView } from "../../render/resources.ts";
import type { MessageRunResponse } from "@agentd/core/client";

export default class MessageSendCommand extends BaseCommand<typeof MessageSendCommand> {
  static override summary = "Send a user message to a session; it queues a run.";
  static override description =
    "An idempotency key is generated when none is given and reused on agentctl's own retries. Pass --idempotency-key to make a script's retries safe too: the same key returns the same message and run.";
  static override examples = [
    '<%= config.bin %> message send --session-id "$SESSION_ID" --text "Respond with exactly: hello"',
    'RUN_ID=$(<%= config.bin %> --field run.id message send --session-id "$SESSION_ID" --text "hi" --idempotency-key job-42)',
  ];
  static override flags = {
    "session-id": Flags.string({ summary: "Session id (set for you inside a run).", env: "AGENTD_SESSION_ID", required: true }),
    text: Flags.string({ summary: "Message text.", required: true }),
    "idempotency-key": Flags.string({ summary: "Idempotency key (generated when omitted)." }),
    provider: Flags.string({ summary: "Provider for this run only." }),
    model: Flags.string({ summary: "Model for this run only." }),
    multitask: Flags.string({ summary: "If the session is busy: enqueue, reject (fail naming the running run) or interrupt (cancel it). Default: the session's.", options: ["enqueue", "reject", "interrupt"] }),
  };

  async run(): Promise<void> {
    const { text, provider, model } = this.flags;
    const multitask = this.flags.multitask as "enqueue" | "reject" | "interrupt" | undefined;
    const res = await this.client.sendMessage(this.flags["session-id"], { text, provider, model, ...(multitask ? { multitask } : {}) }, { idempotencyKey: this.flags["idempotency-key"] });
    this.output(res, (r: MessageRunResponse) => messageRunView(r.message, r.run));
  }
}
