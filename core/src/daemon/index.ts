export { startDaemon, type RunningDaemon, type StartOptions } from "./boot.ts";
export { main } from "./main.ts";
export { DEFAULT_PLUGINS } from "./default-plugins.ts";
export type { DaemonConfig } from "./config.ts";
