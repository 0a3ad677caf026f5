/**
 * The process-wide ICMP raw socket shared by every IcmpEchoProbe.
 *
 * Why one socket: an IPv4 raw ICMP socket receives every ICMP packet on the host anyway (raw(7)),
 * so one socket per probe would only multiply the work. Each probe subscribes to the packet stream
 * and keeps only replies carrying its own identifier; the hub hands out identifiers that are unique
 * within the process. The socket is opened lazily on the first send and closed when the last
 * subscriber leaves. Opening needs root or CAP_NET_RAW (raw-socket README).
 */
import type { RawSocket } from "raw-socket";
import rawSocket from "raw-socket";

/** Receives every packet read from the socket (IPv4 header included). */
export type PacketListener = (ipPacket: Buffer) => void;

const IDENTIFIER_SPACE = 0x10000;

class IcmpSocketHub {
  private socket: RawSocket | undefined;
  private readonly listeners = new Set<PacketListener>();
  private readonly identifiers = new Set<number>();

  /**
   * Reserves an ICMP identifier for one probe.
   * @param requested a specific identifier (0..65535); default: a random free one
   * @throws RangeError when `requested` is not a 16-bit integer or is already in use in this process
   */
  claimIdentifier(requested?: number): number {
    if (requested !== undefined) {
      if (!Number.isInteger(requested) || requested < 0 || requested >= IDENTIFIER_SPACE) {
        throw new RangeError(`ICMP identifier must be an integer 0..65535, got ${requested}`);
      }
      if (this.identifiers.has(requested)) {
        throw new RangeError(`ICMP identifier ${requested} is already used by another probe in this process`);
      }
      this.identifiers.add(requested);
      return requested;
    }
    if (this.identifiers.size >= IDENTIFIER_SPACE) throw new RangeError("no free ICMP identifier left");
    for (;;) {
      const candidate = Math.floor(Math.random() * IDENTIFIER_SPACE);
      if (!this.identifiers.has(candidate)) {
        this.identifiers.add(candidate);
        return candidate;
      }
    }
  }

  /** Returns an identifier obtained from {@link claimIdentifier}. */
  releaseIdentifier(identifier: number): void {
    this.identifiers.delete(identifier);
  }

  /**
   * Adds a listener for incoming packets.
   * @returns the unsubscribe function; the socket closes when the last listener unsubscribes
   */
  subscribe(listener: PacketListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.closeSocket();
    };
  }

  /**
   * Sends one ICMP packet (without IP header) to `ip`, opening the socket if needed.
   * @rejects Error when the socket cannot be opened (e.g. "Operation not permitted" without
   *   CAP_NET_RAW) or the kernel refuses the datagram (e.g. EHOSTUNREACH on an unreachable route)
   */
  send(icmpPacket: Buffer, ip: string): Promise<void> {
    return new Promise((resolve, reject) => {
      let socket: RawSocket;
      try {
        socket = this.openSocket();
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      socket.send(icmpPacket, 0, icmpPacket.length, ip, (error) => (error ? reject(error) : resolve()));
    });
  }

  private openSocket(): RawSocket {
    if (this.socket) return this.socket;
    const socket = rawSocket.createSocket({
      protocol: rawSocket.Protocol.ICMP,
      addressFamily: rawSocket.AddressFamily.IPv4,
    });
    socket.on("message", (packet) => {
      for (const listener of this.listeners) listener(packet);
    });
    // raw-socket closes the socket itself after "error"; forget it so the next send reopens one.
    // Checks in flight then time out (resolve false) in their probes.
    socket.on("error", () => this.forget(socket));
    socket.on("close", () => this.forget(socket));
    this.socket = socket;
    return socket;
  }

  private forget(socket: RawSocket): void {
    if (this.socket === socket) this.socket = undefined;
  }

  private closeSocket(): void {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return;
    try {
      socket.close();
    } catch {
      // Already closed by raw-socket after an error.
    }
  }
}

/** The single hub of this process. */
export const icmpSocketHub = new IcmpSocketHub();
