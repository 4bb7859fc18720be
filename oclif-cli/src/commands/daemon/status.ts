import { BaseCommand } from "../../base-command.ts";
import { daemonView } from "../../render/resources.ts";

export default class DaemonStatusCommand extends BaseCommand<typeof DaemonStatusCommand> {
  static override summary = "Show the daemon's health, workers, queue, storage and plugins.";
  static override examples = [
    "<%= config.bin %> daemon status",
    "<%= config.bin %> --field alive_workers daemon status",
    "<%= config.bin %> --field queue_counts.queued_count daemon status",
  ];

  async run(): Promise<void> {
    this.output(await this.client.daemonStatus(), daemonView);
  }
}
