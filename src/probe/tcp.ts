/**
 * TCP connect probe: a host is up when a TCP handshake to `port` completes within the timeout.
 * The connection is destroyed as soon as it is established (nothing is sent).
 */
import { connect, isIP, type Socket } from "node:net";
import type { Probe } from "./probe.js";

/** Probes hosts by opening (and immediately closing) a TCP connection to one port. */
export class TcpProbe implements Probe {
  /** "tcp:<port>". */
  readonly name: string;
  private readonly inFlight = new Set<() => void>();

  /**
   * @param port TCP port to connect to, 1..65535
   * @throws RangeError when `port` is not an integer in 1..65535
   */
  constructor(readonly port: number) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RangeError(`TCP probe port must be an integer 1..65535, got ${port}`);
    }
    this.name = `tcp:${port}`;
  }

  /**
   * Resolves true when a connection to `ip`:`port` is established within `timeoutMs`; false on
   * refusal, error, timeout, or when `ip` is not an IP literal (no name resolution ever happens).
   */
  check(ip: string, timeoutMs: number): Promise<boolean> {
    if (isIP(ip) === 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      let socket: Socket | undefined;
      let done = false;
      const finish = (connected: boolean): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.inFlight.delete(abort);
        socket?.destroy();
        resolve(connected);
      };
      const abort = (): void => finish(false);
      const timer = setTimeout(abort, Math.max(0, timeoutMs));
      this.inFlight.add(abort);
      socket = connect({ host: ip, port: this.port });
      socket.once("connect", () => finish(true));
      socket.once("error", abort);
      socket.once("close", abort);
    });
  }

  /** Aborts every connection attempt in flight (they resolve false). */
  close(): void {
    for (const abort of [...this.inFlight]) abort();
  }
}
