import { BaseCommand } from "../../base-command.ts";
import { paint } from "../../output/style.ts";

interface PluginListing {
  plugins: { name: string; version: string; type: string; root: string; commands: { id: string; summary: string | null }[] }[];
}

export default class PluginsCommand extends BaseCommand<typeof PluginsCommand> {
  static override summary = "List the CLI's plugins and the commands each one adds.";
  static override description = "Built-in plugins, plugins of the daemon's plugin list (AGENTD_PLUGINS, AGENTD_CONFIG, --plugin) and plugins linked with `agentctl plugins link` (see docs/plugins.md).";
  static override aliases = ["plugin:list"];
  static override examples = ["<%= config.bin %> plugins", "<%= config.bin %> --format json plugins"];

  async run(): Promise<void> {
    const listing: PluginListing = {
      plugins: [...this.config.plugins.values()].map((p) => ({
        name: p.name,
        version: p.version,
        type: p.type,
        root: p.root,
        commands: p.commands
          .filter((c) => !c.hidden)
          .map((c) => ({ id: c.id.replaceAll(":", " "), summary: (c.summary ?? c.description?.split("\n")[0] ?? "").replaceAll("<%= config.bin %>", this.config.bin) || null }))
          .sort((a, b) => a.id.localeCompare(b.id)),
      })),
    };
    this.output(listing, (l: PluginListing) =>
      l.plugins
        .map((p) => [`${paint(p.name, "bold")} ${p.version} (${p.type})`, ...p.commands.map((c) => `  ${c.id.padEnd(28)} ${c.summary ?? ""}`)].join("\n"))
        .join("\n\n"),
    );
  }
}
