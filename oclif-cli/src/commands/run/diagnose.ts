import { BaseCommand, Flags } from "../../base-command.ts";
import { diagnoseView } from "../../render/resources.ts";
import type { DiagnoseResponse } from "@agentd/core/client";

export default class RunDiagnoseCommand extends BaseCommand<typeof RunDiagnoseCommand> {
  static override summary = "Explain a run's state: worker, queue position, process, provider, and the likely issue.";
  static override examples = ['<%= config.bin %> run diagnose --run-id "$RUN_ID"', '<%= config.bin %> --field diagnostics.likely_issue run diagnose --run-id "$RUN_ID"'];
  static override flags = {
    "run-id": Flags.string({ summary: "Run id.", required: true }),
  };

  async run(): Promise<void> {
    this.output(await this.client.diagnoseRun(this.flags["run-id"]), diagnoseView);
  }
}
