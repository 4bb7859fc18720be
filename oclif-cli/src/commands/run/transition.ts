import { RUN_STATUSES, type RunResponse } from "@agentd/core/client";
import { BaseCommand, Flags } from "../../base-command.ts";
import { runChangeView } from "../../render/resources.ts";

export default class RunTransitionCommand extends BaseCommand<typeof RunTransitionCommand> {
  static override summary = "Move a run to another status (operator repair; illegal transitions are refused).";
  static override examples = ['<%= config.bin %> run transition --run-id "$RUN_ID" --to-status failed --reason "stuck"'];
  static override flags = {
    "run-id": Flags.string({ summary: "Run id.", required: true }),
    "to-status": Flags.option({ summary: "Target status.", options: RUN_STATUSES, required: true })(),
    reason: Flags.string({ summary: "Why (kept with the run)." }),
    "idempotency-key": Flags.string({ summary: "Idempotency key (generated when omitted)." }),
  };

  async run(): Promise<void> {
    const res = await this.client.transitionRun(
      this.flags["run-id"],
      { to_status: this.flags["to-status"], reason: this.flags.reason },
      { idempotencyKey: this.flags["idempotency-key"] },
    );
    this.output(res, (r: RunResponse) => runChangeView(r));
  }
}
