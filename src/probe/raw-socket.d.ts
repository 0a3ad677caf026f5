/**
 * The part of raw-socket 1.8.1 (CommonJS, no bundled types) that vpcrouter uses.
 * Source: node_modules/raw-socket/index.js and its README.
 */
declare module "raw-socket" {
  /** Options of `createSocket`. */
  interface RawSocketOptions {
    /** IP protocol number (e.g. `Protocol.ICMP` = 1). */
    protocol?: number;
    /** `AddressFamily.IPv4` (default) or `AddressFamily.IPv6`. */
    addressFamily?: number;
    /** Receive buffer size in bytes (default 4096). */
    bufferSize?: number;
  }

  /** A SOCK_RAW socket. Emits "error" then closes itself on a socket error. */
  interface RawSocket {
    /**
     * Queues `buffer[offset, offset+length)` for `address`; `afterCallback` gets the send error
     * (or null) and the number of bytes sent.
     */
    send(
      buffer: Buffer,
      offset: number,
      length: number,
      address: string,
      afterCallback: (error: Error | null, bytes: number) => void,
    ): RawSocket;
    close(): RawSocket;
    /** For IPv4 the packet includes the IPv4 header; `source` is the sender's address. */
    on(event: "message", listener: (packet: Buffer, source: string) => void): RawSocket;
    on(event: "error", listener: (error: Error) => void): RawSocket;
    on(event: "close", listener: () => void): RawSocket;
  }

  interface RawSocketModule {
    /** @throws Error ("Operation not permitted") without root or CAP_NET_RAW. */
    createSocket(options?: RawSocketOptions): RawSocket;
    readonly AddressFamily: { readonly IPv4: number; readonly IPv6: number };
    readonly Protocol: { readonly ICMP: number };
  }

  const rawSocket: RawSocketModule;
  export default rawSocket;
  export type { RawSocket, RawSocketOptions };
}
