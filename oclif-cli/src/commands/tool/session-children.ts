import { BaseCommand, Flags } from "../../base-command.ts";
import { keyValues, status } from "../../output/style.ts";

export default class ToolSessionChildrenCommand extends BaseCommand<typeof ToolSessionChildrenCommand> {
  static override summary = "List a session's child sessions with their latest run status (default: this run's session).";
  static override examples = ['<%= config.bin %> --field children.0.latest_run.status tool session-children'];
  static override flags = {
    "session-id": Flags.string({ summary: "The parent session (set for you inside a run).", env: "AGENTD_SESSION_ID", required: true }),
  };

  async run(): Promise<void> {
    const res = await this.client.listChildren(this.flags["session-id"]);
    this.output(res, (r: typeof res) =>
      r.children.length
        ? r.children.map((c) => keyValues([["session", c.session.id], ["title", c.session.title ?? ""], ["latest run", c.latest_run?.id ?? "none"], ["status", c.latest_run ? status(c.latest_run.status) : "-"]])).join("\n\n")
        : "no children",
    );
  }
}
