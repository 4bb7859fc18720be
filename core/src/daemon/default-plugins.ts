/**
 * The built-in plugins, loaded by package name exactly like third-party ones (core never
 * imports a plugin). `--no-default-plugins` skips them.
 */
export const DEFAULT_PLUGINS: readonly string[] = [
  "@agentd/plugin-storage-sqljs",
  "@agentd/plugin-auth-bearer",
  "@agentd/plugin-provider-embedded",
  "@agentd/plugin-provider-codex",
  "@agentd/plugin-provider-claude-code",
  "@agentd/plugin-transport-sse",
  "@agentd/plugin-transport-ws",
  "@agentd/plugin-orchestration-tools",
  "@agentd/plugin-console-web",
  "@agentd/plugin-webhooks",
  "@agentd/plugin-metrics",
];
