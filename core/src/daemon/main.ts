import { CORE_OPTIONS, ConfigError } from "./config.ts";
import { startDaemon } from "./boot.ts";
import { PluginError } from "../kernel/plugin.ts";
import { VERSION, BUILD } from "../version.ts";

const HELP = `agentd ${VERSION}: the agent orchestration daemon

Usage: agentd [flags]

${CORE_OPTIONS.map((o) => `  ${o.flag.padEnd(22)} ${o.description}${o.env ? ` [env ${o.env.join(", ")}]` : ""}`).join("\n")}
  --help                 show this help
  --version              print the version

Plugins add their own flags (for example --auth-token, --model, --codex-bin); see docs/.
Precedence: flags > environment > config file > defaults.
`;

/** The `agentd` command: start, then stop cleanly on SIGINT/SIGTERM. Exit 1 with a clear message on boot errors. */
export async function main(argv: string[]): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(HELP);
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
    const known = err instanceof ConfigError || err instanceof PluginError;
    process.stderr.write(`agentd: cannot start: ${known ? (err as Error).message : (err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
    return;
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
