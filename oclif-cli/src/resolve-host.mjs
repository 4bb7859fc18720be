// A module resolve hook (node:module register): when a plugin's agentctl command imports
// @agentd/cli or @agentd/core and its folder has no copy, use the agentctl that runs it.
// Plain JS: loader hooks are loaded before tsx can transpile anything.
let hostParentURL;

export function initialize(data) {
  hostParentURL = data?.parentURL;
}

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    if (hostParentURL && err?.code === "ERR_MODULE_NOT_FOUND" && /^@agentd\/(cli|core)(\/|$)/.test(specifier)) {
      return next(specifier, { ...context, parentURL: hostParentURL });
    }
    throw err;
  }
}
