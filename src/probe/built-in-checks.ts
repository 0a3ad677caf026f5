/**
 * The built-in probing health checks on the plugin API: icmpecho (ICMP echo over a raw socket) and
 * tcp (TCP connect to `probe.tcpCheckPort`, option `port`). Their modules load when they start, so
 * the command line does not load the raw socket.
 */
import type { HealthCheckPlugin, HealthVerdict, ProbeRun } from "../plugin/api.js";
import type { Probe } from "./probe.js";

const UP: HealthVerdict = { up: true };

/** A {@link Probe} as a probe run; a miss has `reason`. */
function probeRun(probe: Probe, reason: string): ProbeRun {
  const down: HealthVerdict = { up: false, reason };
  return {
    check: async (ip, timeoutMs) => ((await probe.check(ip, timeoutMs)) ? UP : down),
    stop: () => probe.close(),
  };
}

/** icmpecho: one ICMP echo request per check (vpc-router's default health check). */
export const icmpEchoPlugin: HealthCheckPlugin = {
  apiVersion: 1,
  kind: "health-check",
  name: "icmpecho",
  description: "ICMP echo request over a raw socket (needs CAP_NET_RAW)",
  async start() {
    const { IcmpEchoProbe } = await import("./icmp-echo.js");
    return probeRun(new IcmpEchoProbe(), "no echo reply in time");
  },
};

/** tcp: one TCP connect per check to option `port` (`probe.tcpCheckPort`). */
export const tcpPlugin: HealthCheckPlugin = {
  apiVersion: 1,
  kind: "health-check",
  name: "tcp",
  description: "TCP connect to probe.tcpCheckPort",
  async start({ options }) {
    const { TcpProbe } = await import("./tcp.js");
    const port = Number(options.port);
    return probeRun(new TcpProbe(port), `no TCP connection to port ${port} in time`);
  },
};
