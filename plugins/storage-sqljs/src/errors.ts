import { PluginError } from "@agentd/core";

/** Start-up refusals of the storage: one line that says what is wrong and what to do (no stack). */
export class StorageOpenError extends PluginError {
  /** The message without the plugin prefix (for `storage check`). */
  readonly detail: string;
  constructor(detail: string) {
    super("storage-sqljs", detail);
    this.detail = detail;
  }
}
