import { resolve } from "node:path";
import { BaseCommand, Flags } from "../../base-command.ts";
import { sessionView } from "../../render/resources.ts";
import type { SessionResponse } from "@agentd/core/client";

export default class SessionCreateCommand extends BaseCommand<typeof SessionCreateCommand> {
  static override summary = "Create a session.";
  static override examples = [
    "<%= config.bin %> session create --title demo",
    'SESSION_ID=$(<%= config.bin %> --field session.id session create --provider embedded)',
  ];
  static override flags = {
    provider: Flags.string({ summary: 'Provider for the session\'s runs: "auto" (default) or a registered provider (see daemon status).' }),
    cwd: Flags.string({ summary: "Working directory for the provider's process. A relative path is resolved against the current directory (the daemon requires absolute paths).", parse: async (input) => resolve(input) }),
    title: Flags.string({ summary: "A title for people." }),
    model: Flags.string({ summary: "Model name passed to the provider." }),
    multitask: Flags.string({ summary: "What a message does while a run is busy: enqueue (default), reject or interrupt.", options: ["enqueue", "reject", "interrupt"] }),
    "wake-on-child-events": Flags.boolean({ summary: "Queue a run in this session when one of its children ends or raises an escalation." }),
    "idempotency-key": Flags.string({ summary: "Idempotency key (generated when omitted; reused on retries)." }),
  };

  async run(): Promise<void> {
    const { provider, cwd, title, model } = this.flags;
    const multitask = this.flags.multitask as "enqueue" | "reject" | "interrupt" | undefined;
    const wake = this.flags["wake-on-child-events"] ? { wake_on_child_events: true } : {};
    const res = await this.client.createSession({ provider, cwd, title, model, ...(multitask ? { multitask } : {}), ...wake }, { idempotencyKey: this.flags["idempotency-key"] });
    this.output(res, (r: SessionResponse) => sessionView(r.session));
  }
}
