/**
 * Builds the probe named by the `probe` setting (docs/DESIGN.md section 5 "Defaults": icmpecho, tcp, multi).
 */
import { IcmpEchoProbe } from "./icmp-echo.js";
import { MultiProbe } from "./multi.js";
import type { Probe } from "./probe.js";
import { TcpProbe } from "./tcp.js";

/** The health-check kinds a replica can be configured with. */
export type HealthCheckKind = "icmpecho" | "tcp" | "multi";
/** A sub-probe of `multi` (vpc-router's `--multi_plugins icmpecho:tcp`). */
export type ProbePlugin = "icmpecho" | "tcp";

const DEFAULT_MULTI_PLUGINS: readonly ProbePlugin[] = ["icmpecho", "tcp"];

/**
 * @param health "icmpecho" (ICMP echo), "tcp" (TCP connect to `options.tcpCheckPort`), or "multi"
 *   (the `options.multiPlugins` sub-probes, default both; any failing sub-probe fails the host)
 * @param options.tcpCheckPort TCP port for "tcp" and "multi", 1..65535
 * @param options.multiPlugins sub-probes of "multi", each at most once (default icmpecho and tcp)
 * @throws RangeError on an invalid `tcpCheckPort` (for "tcp"/"multi"), an empty `multiPlugins`, or
 *   an unknown `health`
 */
export function createProbe(
  health: HealthCheckKind,
  options: { tcpCheckPort: number; multiPlugins?: readonly ProbePlugin[] },
): Probe {
  switch (health) {
    case "icmpecho":
      return new IcmpEchoProbe();
    case "tcp":
      return new TcpProbe(options.tcpCheckPort);
    case "multi": {
      const plugins: ProbePlugin[] = [...new Set(options.multiPlugins ?? DEFAULT_MULTI_PLUGINS)];
      return new MultiProbe(plugins.map((plugin) => createProbe(plugin, options)));
    }
    default: {
      const unknown: never = health;
      throw new RangeError(`unknown health check ${JSON.stringify(unknown)}`);
    }
  }
}
