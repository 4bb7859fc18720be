/** @agentd/cli: the agentctl package. Plugin commands extend BaseCommand from `@agentd/cli/base`. */
export { BaseCommand, describeError, defaultUrl, type BaseArgs, type BaseFlags } from "./base-command.ts";
export { EXIT, WaitTimeoutError, CommandFailedError } from "./exit-codes.ts";
export { getField, formatFieldValue, FieldNotFoundError } from "./output/field.ts";
