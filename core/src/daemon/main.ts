import { parseFlags } from "./argv.ts";
import { CORE_OPTIONS, ConfigError, resolveDaemonConfig } from "./config.ts";
import { takeLaunchHandoff } from "./launch.ts";
import { pluginSources, startDaemon, StartupError } from "./boot.ts";
import { AgentdError } from "../errors.ts";
import { importPlugins } from "../kernel/plugin-loader.ts";
import { PluginError, type PluginOption } from "../kernel/plugin.ts";
import { VERSION, BUILD } from "../version.ts";

const line = (o: PluginOption): string => `  ${o.flag.padEnd(30)} ${o.description}${o.env?.length ? ` [env ${o.env.join(", ")}]` : ""}`;

/** Help lists the daemon's flags and those of every plugin that would load (built-ins and --plugin). */
async function help(argv: string[]): Promise<string> {
  const sections = [`agentd ${VERSION}: the agent orchestration daemon\n\nUsage: agentd [flags]\n\nDaemon:\n${CORE_OPTIONS.map(line).join("\n")}\n  --help                         show this help\n  --version                      print the version`];
  try {
    const config = resolveDaemonConfig(parseFlags(argv, CORE_OPTIONS, { ignoreUnknown: true }), process.env);
    for (const { plugin } of await importPlugins(pluginSources(config))) {
      if (plugin.options?.length) sections.push(`Plugin ${plugin.name}${plugin.description ? ` (${plugin.description})` : ""}:\n${plugin.options.map(line).join("\n")}`);
    }
  } catch (err) {
    sections.push(`(plugin flags unavailable: ${(err as Error).message})`);
  }
  sections.push("Precedence: flags > environment > config file > defaults. A repeatable flag is given once per value;\nan env variable for a list holds comma-separated values. Write --flag=value when the value is itself\nan agentd flag. Start agentd with bin/agentd: it keeps flags and environment out of /proc.");
  return sections.join("\n\n") + "\n";
}

/** The `agentd` command: start, then stop cleanly on SIGINT/SIGTERM. Exit 1 with a clear message on boot errors. */
export async function main(cliArgv: string[]): Promise<void> {
  let argv = cliArgv;
  try {
    const handoff = takeLaunchHandoff();
    if (handoff) argv = [...handoff.argv, ...cliArgv];
  } catch (err) {
    process.stderr.write(`agentd: cannot start: ${(err as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(await help(argv));
    return;
  }
  if (argv.includes("--version")) {
    process.stdout.write(`agentd ${VERSION} (${BUILD})\n`);
    return;
  }
  let daemon;
  try {
    daemon = await startDaemon({ argv });
  } catch (err) {
    const known = err instanceof ConfigError || err instanceof PluginError || err instanceof StartupError || err instanceof AgentdError;
    process.stderr.write(`agentd: cannot start: ${known ? (err as Error).message : (err as Error).stack ?? String(err)}\n`);
    // startDaemon undid what it had started; exit even if a plugin left a timer or socket behind.
    process.exit(1);
  }
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals > 1) {
      process.stderr.write(`agentd: second ${signal}, exiting now\n`);
      process.exit(130);
    }
    daemon.stop(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`agentd: error while stopping: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}
