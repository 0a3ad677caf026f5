/**
 * Builds the probe named by the `probe` setting (DESIGN.md "Defaults": icmpecho, tcp, multi).
 */
import { IcmpEchoProbe } from "./icmp-echo.js";
import { MultiProbe } from "./multi.js";
import type { Probe } from "./probe.js";
import { TcpProbe } from "./tcp.js";

/** The health-check kinds a replica can be configured with. */
export type HealthCheckKind = "icmpecho" | "tcp" | "multi";

/**
 * @param health "icmpecho" (ICMP echo), "tcp" (TCP connect to `options.tcpCheckPort`), or "multi"
 *   (both; any failing sub-probe fails the host)
 * @param options.tcpCheckPort TCP port for "tcp" and "multi", 1..65535
 * @throws RangeError on an invalid `tcpCheckPort` (for "tcp"/"multi") or unknown `health`
 */
export function createProbe(health: HealthCheckKind, options: { tcpCheckPort: number }): Probe {
  switch (health) {
    case "icmpecho":
      return new IcmpEchoProbe();
    case "tcp":
      return new TcpProbe(options.tcpCheckPort);
    case "multi": {
      const tcp = new TcpProbe(options.tcpCheckPort);
      return new MultiProbe([new IcmpEchoProbe(), tcp]);
    }
    default: {
      const unknown: never = health;
      throw new RangeError(`unknown health check ${JSON.stringify(unknown)}`);
    }
  }
}
