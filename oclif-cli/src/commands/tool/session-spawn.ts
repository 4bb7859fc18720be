import { resolve } from "node:path";
import { BaseCommand, Flags } from "../../base-command.ts";
import { keyValues } from "../../output/style.ts";
import { summarize } from "../../render/tool-result.ts";

export default class ToolSessionSpawnCommand extends BaseCommand<typeof ToolSessionSpawnCommand> {
  static override summary = "Spawn a child session from a run, with a task (agent-to-agent).";
  static override description = "Inside a run, --parent-run-id defaults to AGENTD_RUN_ID and the run's token comes from AGENTCTL_AUTH_TOKEN, so an agent needs only --task.";
  static override examples = ['<%= config.bin %> tool session-spawn --task "write the tests for parser.ts"', '<%= config.bin %> --field session.id tool session-spawn --parent-run-id "$RUN_ID" --task "review"'];
  static override flags = {
    "parent-run-id": Flags.string({ summary: "The spawning run [env AGENTD_RUN_ID].", env: "AGENTD_RUN_ID", required: true }),
    task: Flags.string({ summary: "What the child should do.", required: true }),
    provider: Flags.string({ summary: 'Provider for the child ("auto", "embedded", "codex", ...); default: the parent session\'s.' }),
    cwd: Flags.string({ summary: "Working directory for the child; default: the parent session's. A relative path is resolved against the current directory (the daemon requires absolute paths).", parse: async (input) => resolve(input) }),
    model: Flags.string({ summary: "Model for the child; default: the parent session's." }),
    "idempotency-key": Flags.string({ summary: "Idempotency key (generated when omitted)." }),
  };

  async run(): Promise<void> {
    const res = await this.client.spawnSession(this.flags["parent-run-id"], { task: this.flags.task, provider: this.flags.provider, cwd: this.flags.cwd, model: this.flags.model }, { idempotencyKey: this.flags["idempotency-key"] });
    this.output(res, (r: Record<string, unknown>) => keyValues(summarize(r)));
  }
}
