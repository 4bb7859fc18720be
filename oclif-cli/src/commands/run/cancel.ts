import { BaseCommand, Flags } from "../../base-command.ts";
import { runChangeView } from "../../render/resources.ts";
import type { RunResponse } from "@agentd/core/client";

export default class RunCancelCommand extends BaseCommand<typeof RunCancelCommand> {
  static override summary = "Cancel a queued or running run.";
  static override examples = ['<%= config.bin %> run cancel --run-id "$RUN_ID" --reason "wrong prompt"'];
  static override flags = {
    "run-id": Flags.string({ summary: "Run id.", required: true }),
    reason: Flags.string({ summary: "Why (kept with the run)." }),
    "idempotency-key": Flags.string({ summary: "Idempotency key (generated when omitted)." }),
  };

  async run(): Promise<void> {
    const res = await this.client.cancelRun(this.flags["run-id"], { reason: this.flags.reason }, { idempotencyKey: this.flags["idempotency-key"] });
    this.output(res, (r: RunResponse) => runChangeView(r));
  }
}
