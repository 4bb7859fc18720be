import { parseArgs, type ParseArgsConfig } from "node:util";
import type { PluginOption } from "../kernel/plugin.ts";
import { ConfigError } from "./config.ts";

const BOOLEAN_WORDS = new Set(["true", "false", "1", "0", "yes", "no"]);

export interface ParseFlagsOptions {
  /** Before plugins load their flags are not known yet: skip them instead of failing. */
  ignoreUnknown?: boolean;
}

/**
 * The daemon's flags, tokenized by `node:util` parseArgs against the core options and every loaded
 * plugin's, grouped by flag ("--db" -> ["a.db"]); a bare boolean flag is "true". Rules on top of
 * parseArgs: a flag that takes a value needs one ("--db needs a value"); a separate value may
 * start with "-" or "--" (`--codex-extra-arg --search`) unless it is itself an agentd flag, which
 * then needs the `=` form (`--codex-extra-arg=--port`); a boolean may be followed by true/false.
 */
export function parseFlags(argv: readonly string[], options: readonly PluginOption[], opts: ParseFlagsOptions = {}): Map<string, string[]> {
  const byName = new Map(options.map((o) => [o.flag.slice(2), o]));
  const config: ParseArgsConfig["options"] = {};
  for (const [name, o] of byName) config[name] = { type: o.type === "boolean" ? "boolean" : "string", multiple: o.type === "string[]" };
  const { tokens } = parseArgs({ args: [...argv], options: config, strict: false, allowPositionals: true, tokens: true });
  const out = new Map<string, string[]>();
  const add = (flag: string, value: string): void => void out.set(flag, [...(out.get(flag) ?? []), value]);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token.kind === "option-terminator") {
      if (opts.ignoreUnknown) break;
      throw new ConfigError(`unexpected argument "--": agentd takes no positional arguments (see agentd --help)`);
    }
    if (token.kind === "positional") {
      if (opts.ignoreUnknown) continue;
      throw new ConfigError(`unexpected argument "${token.value}": flags look like --name value (see agentd --help)`);
    }
    const option = token.rawName.startsWith("--") ? byName.get(token.name) : undefined;
    if (!option) {
      if (opts.ignoreUnknown) continue;
      throw new ConfigError(`unknown flag ${token.rawName}; run agentd --help for the flags of the daemon and its plugins`);
    }
    if (option.type === "boolean") {
      const next = tokens[i + 1];
      if (token.value !== undefined) add(option.flag, token.value);
      else if (next?.kind === "positional" && BOOLEAN_WORDS.has(next.value.toLowerCase()) && next.index === token.index + 1) {
        add(option.flag, next.value);
        i++;
      } else add(option.flag, "true");
      continue;
    }
    const value = token.value;
    const takenFlag = value !== undefined && !token.inlineValue && value.startsWith("--") && byName.has(value.slice(2).split("=")[0]);
    if (value === undefined || takenFlag) {
      const hint = takenFlag ? ` (it is followed by the flag ${value}; if that is the value, write ${option.flag}=${value})` : "";
      throw new ConfigError(`${option.flag} needs a value${hint}`);
    }
    add(option.flag, value);
  }
  return out;
}
