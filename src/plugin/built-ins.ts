/**
 * The plugins vpcrouter ships, on the same API as external ones, and the options each built-in
 * takes from vpcrouter's own settings (vpc-router's flags: `-f`, `--fixed_cidr`, `--tcp_check_port`).
 */
import type { CoreConfig, VpcrouterConfig } from "../config/schema.js";
import { icmpEchoPlugin, tcpPlugin } from "../probe/built-in-checks.js";
import { ec2StatusPlugin, type InstanceStatusReader } from "../probe/ec2-status-check.js";
import { configFilePlugin, fixedConfPlugin } from "../spec-source/built-in-sources.js";
import type { HealthCheckPlugin, PluginOptionValues, SpecSourcePlugin } from "./api.js";
import type { LoadedPlugin } from "./load-plugin.js";

/** What built-ins need from the running daemon. */
export interface BuiltInDeps {
  /** The EC2 port for ec2status; undefined outside the daemon. */
  readonly instanceStatus?: () => InstanceStatusReader | undefined;
}

/** Every built-in plugin by name. */
export function builtInPlugins(
  deps: BuiltInDeps = {},
): Readonly<Record<string, SpecSourcePlugin | HealthCheckPlugin>> {
  const ec2status = ec2StatusPlugin(deps.instanceStatus ?? (() => undefined));
  return {
    configfile: configFilePlugin,
    fixedconf: fixedConfPlugin,
    icmpecho: icmpEchoPlugin,
    tcp: tcpPlugin,
    ec2status,
  };
}

/**
 * The options a built-in takes from vpcrouter's settings (its declared options come from
 * `config.plugins` like an external plugin's).
 * @returns an empty set for plugins that take none
 */
export function builtInSettingOptions(name: string, config: CoreConfig): PluginOptionValues {
  switch (name) {
    case "configfile":
      return { file: config.spec.file, maxRoutes: config.spec.maxRoutes };
    case "fixedconf":
      return { cidr: config.spec.fixedCidr, hosts: config.spec.fixedHosts, maxRoutes: config.spec.maxRoutes };
    case "tcp":
      return { port: config.probe.tcpCheckPort };
    default:
      return {};
  }
}

/** The options a loaded plugin starts with: a built-in's settings, then `config.plugins[name]`. */
export function optionsOf(loaded: LoadedPlugin, config: VpcrouterConfig): PluginOptionValues {
  const name = loaded.plugin.name;
  return { ...(loaded.builtIn ? builtInSettingOptions(name, config) : {}), ...config.plugins[name] };
}
