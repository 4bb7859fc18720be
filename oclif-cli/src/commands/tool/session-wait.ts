import { BaseCommand, EXIT, Flags, WaitTimeoutError } from "../../base-command.ts";
import { runView } from "../../render/resources.ts";
import { waitForRun } from "../../wait.ts";
import type { WaitResponse } from "@agentd/core/client";

export default class ToolSessionWaitCommand extends BaseCommand<typeof ToolSessionWaitCommand> {
  static override summary = "Wait for a (child) run to finish; same as run wait, for agents.";
  static override description = `Exits with code ${EXIT.waitTimeout} when --timeout-s passes first.`;
  static override examples = ['<%= config.bin %> --field run.output tool session-wait --run-id "$CHILD_RUN_ID" --timeout-s 600'];
  static override flags = {
    "run-id": Flags.string({ summary: "Run to wait for.", required: true }),
    "timeout-s": Flags.integer({ summary: "Give up after this many seconds.", default: 120, min: 0, max: 86_400 }),
  };

  async run(): Promise<void> {
    const res = await waitForRun(this.client, this.flags["run-id"], this.flags["timeout-s"]);
    this.output(res, (r: WaitResponse) => runView(r.run));
    if (res.timed_out) throw new WaitTimeoutError(`run ${res.run.id} is still ${res.run.status} after ${this.flags["timeout-s"]}s: wait again or check it with \`agentctl run diagnose --run-id ${res.run.id}\``);
  }
}
