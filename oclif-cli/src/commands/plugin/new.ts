import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { Args, BaseCommand, Flags } from "../../base-command.ts";
import { EXIT } from "../../exit-codes.ts";
import { scaffoldFiles } from "../../scaffold/templates.ts";

/** The agentd checkout this agentctl runs from (oclif-cli/src/commands/plugin → repo root). */
const CHECKOUT = resolve(import.meta.dirname, "..", "..", "..", "..");

interface NewResult {
  dir: string;
  name: string;
  provider: string;
  files: string[];
  sdk: { "@agentd/core": string; "@agentd/cli": string };
  next: string[];
}

interface SdkSpecs {
  "@agentd/core": string;
  "@agentd/cli": string;
  /** Packed built-in plugins (the daemon loads them by name): name → file: spec. */
  builtins: Record<string, string>;
}

/** The SDK from a checkout (npm links its folders) or from `npm pack --workspaces` tarballs. */
function sdkSpecs(sdk: string): SdkSpecs | null {
  if (existsSync(join(sdk, "core", "package.json")) && existsSync(join(sdk, "oclif-cli", "package.json"))) {
    return { "@agentd/core": `file:${join(sdk, "core")}`, "@agentd/cli": `file:${join(sdk, "oclif-cli")}`, builtins: {} };
  }
  const tarballs = existsSync(sdk) ? readdirSync(sdk).filter((f) => /^agentd-.*\.tgz$/.test(f)) : [];
  const find = (prefix: string) => tarballs.find((f) => new RegExp(`^${prefix}-\\d`).test(f));
  const core = find("agentd-core");
  const cli = find("agentd-cli");
  if (!core || !cli) return null;
  const builtins: Record<string, string> = {};
  for (const f of tarballs) {
    const m = /^agentd-plugin-(.+)-\d+\.\d+\.\d+.*\.tgz$/.exec(f);
    if (m) builtins[`@agentd/plugin-${m[1]}`] = `file:${join(sdk, f)}`;
  }
  return { "@agentd/core": `file:${join(sdk, core)}`, "@agentd/cli": `file:${join(sdk, cli)}`, builtins };
}

export default class PluginNewCommand extends BaseCommand<typeof PluginNewCommand> {
  static override summary = "Write a new provider plugin (with one agentctl command and its test) into a folder.";
  static override description =
    "The plugin's package.json takes the SDK (@agentd/core, @agentd/cli) from the agentd checkout this agentctl runs from, " +
    "or from --sdk. Then: cd <dir> && npm install && npm test. Guide: docs/plugins.md.";
  static override examples = ["<%= config.bin %> plugin new ./my-plugin", "<%= config.bin %> plugin new ./echo --provider echo --sdk ~/src/agentd"];
  static override args = { dir: Args.string({ description: "Folder to create (must be missing or empty).", required: true }) };
  static override flags = {
    name: Flags.string({ summary: "Package and plugin name (default: the folder's name)." }),
    provider: Flags.string({ summary: "Provider name, also the command's topic.", default: "reverse" }),
    sdk: Flags.string({ summary: "An agentd checkout, or a folder of `npm pack --workspaces` tarballs, to take the SDK from (default: the checkout running this agentctl)." }),
  };

  async run(): Promise<void> {
    const dir = resolve(this.args.dir);
    const name = this.flags.name ?? basename(dir).toLowerCase();
    const { provider } = this.flags;
    for (const [what, value] of [["--name", name], ["--provider", provider]] as const) {
      if (!/^[a-z0-9][a-z0-9-]*$/.test(value)) this.fail(`${what} "${value}" must be lowercase letters, digits and dashes (e.g. my-plugin); pass --name to choose one`, EXIT.usage);
    }
    if (existsSync(dir) && readdirSync(dir).length > 0) this.fail(`${dir} is not empty: pick a new folder`, EXIT.usage);
    const sdk = resolve(this.flags.sdk ?? CHECKOUT);
    const spec = sdkSpecs(sdk);
    if (!spec) {
      this.fail(`--sdk ${sdk} is neither an agentd checkout (core/ and oclif-cli/) nor a folder of packed tarballs (npm pack --workspaces --pack-destination ${sdk})`, EXIT.usage);
    }
    const files = scaffoldFiles({ name, provider, coreSpec: spec["@agentd/core"], cliSpec: spec["@agentd/cli"], builtins: spec.builtins });
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const result: NewResult = {
      dir,
      name,
      provider,
      files: Object.keys(files).sort(),
      sdk: { "@agentd/core": spec["@agentd/core"], "@agentd/cli": spec["@agentd/cli"] },
      next: [`cd ${dir}`, "npm install --no-audit --no-fund", "npm test", `AGENTD_PLUGINS=. npx agentctl ${provider} say --text hello`],
    };
    this.output(result, (r: NewResult) => [`wrote plugin ${r.name} (provider ${r.provider}) in ${r.dir}:`, ...r.files.map((f) => `  ${f}`), "next:", ...r.next.map((c) => `  ${c}`)].join("\n"));
  }
}
