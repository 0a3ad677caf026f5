/** convict formats of the settings that name plugins, and of plugins' list options. */
import { fail, listFromColonText, listFromText, register } from "./formats.js";

/**
 * A plugin reference (`spec.mode`, `probe.health`): a built-in name (`icmpecho`, `configfile`, …),
 * an npm package name (`vpcrouter-plugin-romana`, `@acme/check`) or a module path (`./check.js`,
 * `/opt/plugins/check.mjs`). Whether it can be loaded is checked when plugins load.
 */
const PLUGIN_REFERENCE = /^(?:\.{1,2}\/|\/)[^\0]*$|^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

function validatePluginReference(value: unknown): void {
  if (typeof value !== "string" || !PLUGIN_REFERENCE.test(value))
    fail("must name a plugin: a built-in name, an npm package name or a module path (./x.js, /x.js)");
}

/** A plugin reference (see above). */
export const PLUGIN_REFERENCE_FORMAT = register("vpcrouter-plugin-reference", validatePluginReference);

/** Non-empty list of distinct health checks of `multi` (plugin references); text: `icmpecho:tcp`. */
export const PROBE_PLUGIN_LIST = register(
  "vpcrouter-probe-plugin-list",
  (value) => {
    if (!Array.isArray(value) || value.length === 0) fail("must name at least one health check");
    for (const item of value) {
      if (item === "multi") fail("multi cannot be one of its own health checks");
      validatePluginReference(item);
    }
    if (new Set(value).size !== value.length) fail("must not name a plugin twice");
  },
  listFromColonText,
);

/** A list of strings (a plugin's `list` option); text is separated by `,`. */
export const TEXT_LIST = register(
  "vpcrouter-text-list",
  (value) => {
    if (!Array.isArray(value) || value.some((item) => typeof item !== "string"))
      fail("must be a list of strings");
  },
  listFromText,
);
