import { resolve } from "node:path";
import { BaseCommand, Flags } from "../../base-command.ts";
import { EXIT } from "../../exit-codes.ts";
import { keyValues } from "../../output/style.ts";
import { summarize } from "../../render/tool-result.ts";

export default class ToolSessionSpawnCommand extends BaseCommand<typeof ToolSessionSpawnCommand> {
  static override summary = "Spawn a child session with a task, from a run or from a session (agent-to-agent).";
  static override description =
    "Give exactly one of --parent-run-id (the spawning run: POST /runs/:id/spawn) or --parent-session-id (a child of that session from outside any run: " +
    "POST /sessions/:id/spawn; the session's running run, if any, is recorded as the parent run). Inside a run, --parent-run-id defaults to AGENTD_RUN_ID " +
    "and the run's token comes from AGENTCTL_AUTH_TOKEN, so an agent needs only --task.";
  static override examples = [
    '<%= config.bin %> tool session-spawn --task "write the tests for parser.ts"',
    '<%= config.bin %> --field session.id tool session-spawn --parent-run-id "$RUN_ID" --task "review"',
    '<%= config.bin %> --field session.id tool session-spawn --parent-session-id "$SESSION_ID" --task "review"',
  ];
  static override flags = {
    // No `env` here: AGENTD_RUN_ID is read below only when neither flag is given, so that
    // --parent-session-id works inside a run too.
    "parent-run-id": Flags.string({ summary: "The spawning run [default: env AGENTD_RUN_ID].", exclusive: ["parent-session-id"] }),
    "parent-session-id": Flags.string({ summary: "Spawn a child of this session from outside any run.", exclusive: ["parent-run-id"] }),
    task: Flags.string({ summary: "What the child should do.", required: true }),
    provider: Flags.string({ summary: 'Provider for the child ("auto", "embedded", "codex", "claude-code", ...); default: the parent session\'s.' }),
    cwd: Flags.string({ summary: "Working directory for the child; default: the parent session's. A relative path is resolved against the current directory (the daemon requires absolute paths).", parse: async (input) => resolve(input) }),
    model: Flags.string({ summary: "Model for the child; default: the parent session's." }),
    "wake-parent": Flags.boolean({ summary: "Queue a run in the parent session when the child ends or raises an escalation (its prompt carries the result or question)." }),
    "idempotency-key": Flags.string({ summary: "Idempotency key (generated when omitted)." }),
  };

  async run(): Promise<void> {
    const input = { task: this.flags.task, provider: this.flags.provider, cwd: this.flags.cwd, model: this.flags.model, ...(this.flags["wake-parent"] ? { wake_parent: true } : {}) };
    const opts = { idempotencyKey: this.flags["idempotency-key"] };
    const sessionId = this.flags["parent-session-id"];
    const runId = this.flags["parent-run-id"] ?? (sessionId ? undefined : process.env.AGENTD_RUN_ID || undefined);
    if (!sessionId && !runId) this.fail("give exactly one of --parent-run-id or --parent-session-id (inside a run, AGENTD_RUN_ID is the default parent run)", EXIT.usage);
    const res = sessionId ? await this.client.spawnFromSession(sessionId, input, opts) : await this.client.spawnSession(runId!, input, opts);
    this.output(res, (r: Record<string, unknown>) => keyValues(summarize(r)));
  }
}
