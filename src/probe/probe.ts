/**
 * The one capability the health monitor needs from a probe: check one host once.
 * Implementations: ICMP echo (`icmp-echo.ts`), TCP connect (`tcp.ts`), both (`multi.ts`).
 */
export interface Probe {
  /** Short label for logs and metrics, e.g. "icmpecho", "tcp:22". */
  readonly name: string;
  /**
   * Checks `ip` (a literal IP address, never a host name: probes resolve nothing) once.
   * @param ip the address to probe; probes send traffic only to this address
   * @param timeoutMs how long to wait for an answer, in milliseconds
   * @returns true when the host answered within `timeoutMs`, false otherwise. Never rejects.
   */
  check(ip: string, timeoutMs: number): Promise<boolean>;
  /** Releases sockets and timers; checks still in flight resolve false. */
  close(): void;
}
