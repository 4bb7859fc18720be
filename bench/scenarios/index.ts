import type { Figure } from "../lib/figures.ts";
import type { Profile } from "../profiles.ts";
import { cli } from "./cli.ts";
import { fanout } from "./fanout.ts";
import { streamMemory } from "./memory.ts";
import { recovery } from "./recovery.ts";
import { queueOverhead } from "./queue.ts";
import { writePath } from "./write-path.ts";

export interface Scenario {
  name: string;
  run(profile: Profile): Promise<Figure[]>;
}

/** In report order. Each scenario starts and stops everything it needs. */
export const SCENARIOS: readonly Scenario[] = [
  { name: "write-path", run: writePath },
  { name: "fanout", run: fanout },
  { name: "queue", run: queueOverhead },
  { name: "recovery", run: recovery },
  { name: "memory", run: streamMemory },
  { name: "cli", run: cli },
];
