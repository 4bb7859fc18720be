import { BaseCommand, Flags } from "../../base-command.ts";
import { runView } from "../../render/resources.ts";
import type { RunResponse } from "@agentd/core/client";

export default class RunGetCommand extends BaseCommand<typeof RunGetCommand> {
  static override summary = "Show one run.";
  static override examples = ['<%= config.bin %> run get --run-id "$RUN_ID"', '<%= config.bin %> --field run.output run get --run-id "$RUN_ID"'];
  static override flags = {
    "run-id": Flags.string({ summary: "Run id (set for you inside a run).", env: "AGENTD_RUN_ID", required: true }),
  };

  async run(): Promise<void> {
    this.output(await this.client.getRun(this.flags["run-id"]), (r: RunResponse) => runView(r.run));
  }
}
