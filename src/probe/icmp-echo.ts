/**
 * ICMP echo ("ping") probe over the process-wide raw socket (see icmp-socket.ts).
 * Packet format: RFC 792. Matching replies: RFC 792 says the identifier and sequence number "may be
 * used by the echo sender to aid in matching the replies with the echo requests"; we require the
 * identifier, a pending sequence, and the probed address as source.
 */
import { isIPv4 } from "node:net";
import { decodeEchoReply, encodeEchoRequest } from "./icmp-packet.js";
import { icmpSocketHub } from "./icmp-socket.js";
import type { Probe } from "./probe.js";

/** Echoed back by the target; only there to make our packets recognisable in a capture. */
const PAYLOAD = Buffer.from("vpcrouter-probe\n", "ascii");
const SEQUENCE_SPACE = 0x10000;

interface PendingEcho {
  readonly ip: string;
  readonly timer: NodeJS.Timeout;
  readonly resolve: (answered: boolean) => void;
}

/** Options of {@link IcmpEchoProbe}. */
export interface IcmpEchoProbeOptions {
  /** ICMP identifier (0..65535) for this probe's requests; default: random, unique in the process. */
  identifier?: number;
}

/**
 * Probes hosts with ICMP echo requests (IPv4 only). Needs root or CAP_NET_RAW; without it every
 * check resolves false and {@link lastError} says why.
 */
export class IcmpEchoProbe implements Probe {
  readonly name = "icmpecho";
  /** The ICMP identifier carried by this probe's requests and required in replies. */
  readonly identifier: number;
  /**
   * Why the most recent check could not send its request (socket could not be opened, e.g.
   * "Operation not permitted" without CAP_NET_RAW; kernel refused the packet; bad address; probe
   * closed). Cleared when a request is sent successfully. A check that simply got no reply does
   * not set it.
   */
  lastError: Error | undefined;

  private sequence = 0;
  private readonly pending = new Map<number, PendingEcho>();
  private unsubscribe: (() => void) | undefined;
  private closed = false;

  /** @throws RangeError when `options.identifier` is invalid or already used in this process. */
  constructor(options: IcmpEchoProbeOptions = {}) {
    this.identifier = icmpSocketHub.claimIdentifier(options.identifier);
  }

  /** Sends one echo request to `ip` and resolves true if its reply arrives within `timeoutMs`. */
  check(ip: string, timeoutMs: number): Promise<boolean> {
    if (this.closed) return this.fail(new Error("probe is closed"));
    if (!isIPv4(ip)) return this.fail(new Error(`not an IPv4 address: ${JSON.stringify(ip)}`));
    const sequence = this.nextSequence();
    if (sequence === undefined) return this.fail(new Error("too many echo requests in flight"));
    this.unsubscribe ??= icmpSocketHub.subscribe(this.onPacket);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => this.settle(sequence, false), Math.max(0, timeoutMs));
      this.pending.set(sequence, { ip, timer, resolve });
      icmpSocketHub.send(encodeEchoRequest(this.identifier, sequence, PAYLOAD), ip).then(
        () => {
          this.lastError = undefined;
        },
        (error: unknown) => {
          this.lastError = error instanceof Error ? error : new Error(String(error));
          this.settle(sequence, false);
        },
      );
    });
  }

  /** Resolves every check in flight with false and leaves the shared socket. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const sequence of [...this.pending.keys()]) this.settle(sequence, false);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    icmpSocketHub.releaseIdentifier(this.identifier);
  }

  private readonly onPacket = (ipPacket: Buffer): void => {
    const reply = decodeEchoReply(ipPacket);
    if (!reply || reply.identifier !== this.identifier) return;
    const pending = this.pending.get(reply.sequence);
    if (!pending || pending.ip !== reply.source) return;
    this.settle(reply.sequence, true);
  };

  private settle(sequence: number, answered: boolean): void {
    const pending = this.pending.get(sequence);
    if (!pending) return;
    this.pending.delete(sequence);
    clearTimeout(pending.timer);
    pending.resolve(answered);
  }

  /** The next 16-bit sequence number not in flight, or undefined if all 65536 are. */
  private nextSequence(): number | undefined {
    for (let tries = 0; tries < SEQUENCE_SPACE; tries++) {
      this.sequence = (this.sequence + 1) % SEQUENCE_SPACE;
      if (!this.pending.has(this.sequence)) return this.sequence;
    }
    return undefined;
  }

  private fail(error: Error): Promise<boolean> {
    this.lastError = error;
    return Promise.resolve(false);
  }
}
