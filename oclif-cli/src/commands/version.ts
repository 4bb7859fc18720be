import { DaemonUnreachableError } from "@agentd/core/client";
import { BaseCommand } from "../base-command.ts";
import { EXIT } from "../exit-codes.ts";

interface Versions {
  client: { name: string; version: string; node: string };
  daemon: { url: string; version: string; build: string } | null;
  daemon_error?: string;
}

export default class VersionCommand extends BaseCommand<typeof VersionCommand> {
  static override summary = "Show agentctl's version and the daemon's version and build.";
  static override description = "Exits 3 (after printing the client's version) when the daemon cannot be reached.";
  static override examples = ["<%= config.bin %> version", "<%= config.bin %> --field daemon.build version"];

  async run(): Promise<void> {
    const out: Versions = { client: { name: this.config.bin, version: this.config.version, node: process.version }, daemon: null };
    try {
      const health = await this.client.health();
      out.daemon = { url: this.client.baseUrl, version: health.version, build: health.build };
    } catch (err) {
      if (!(err instanceof DaemonUnreachableError)) throw err;
      out.daemon_error = err.message;
    }
    this.output(out, (v: Versions) => [
      `agentctl ${v.client.version} (node ${v.client.node})`,
      v.daemon ? `agentd   ${v.daemon.version} build ${v.daemon.build} at ${v.daemon.url}` : `agentd   unknown: ${v.daemon_error}`,
    ].join("\n"));
    if (!out.daemon) this.exit(EXIT.unreachable);
  }
}
