import { BaseCommand, EXIT, Flags, WaitTimeoutError } from "../../base-command.ts";
import { runView } from "../../render/resources.ts";
import { waitForRun } from "../../wait.ts";
import { resolveCommand, waitingLine } from "../../escalations.ts";
import type { WaitResponse } from "@agentd/core/client";

export default class RunWaitCommand extends BaseCommand<typeof RunWaitCommand> {
  static override summary = "Wait until a run is completed, failed or canceled.";
  static override description = `Prints the run (and timed_out) when it ends. If --timeout-s passes first, it prints the run as it is and exits with code ${EXIT.waitTimeout}. A run waiting for an approval says so (on a terminal, at once; always in run.waiting and in waiting_for with the command that answers it).`;
  static override examples = [
    '<%= config.bin %> run wait --run-id "$RUN_ID" --timeout-s 60',
    '<%= config.bin %> --field run.status run wait --run-id "$RUN_ID"',
  ];
  static override flags = {
    "run-id": Flags.string({ summary: "Run id.", required: true }),
    "timeout-s": Flags.integer({ summary: "Give up after this many seconds.", default: 120, min: 0, max: 86_400 }),
    "interval-ms": Flags.integer({ summary: "Accepted for compatibility: waits are event-driven on the daemon.", min: 10, max: 60_000 }),
  };

  async run(): Promise<void> {
    const res = await waitForRun(this.client, this.flags["run-id"], this.flags["timeout-s"], this.flags["interval-ms"]);
    const waiting = res.run.waiting;
    const out = waiting ? { ...res, waiting_for: { ...waiting, answer_with: resolveCommand(waiting.escalation_id) } } : res;
    this.output(out, (r: WaitResponse) => runView(r.run));
    if (res.timed_out) {
      const next = waiting ? waitingLine(res.run.id, waiting) : `wait again, or see why with \`agentctl run diagnose --run-id ${res.run.id}\``;
      throw new WaitTimeoutError(`run ${res.run.id} is still ${res.run.status} after ${this.flags["timeout-s"]}s: ${next}`);
    }
  }
}
