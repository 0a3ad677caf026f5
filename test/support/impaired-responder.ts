/**
 * An impaired router's ICMP echo responder, run inside a router namespace whose kernel answers no
 * echo (`net.ipv4.icmp_echo_ignore_all=1`): it answers each echo request after `--delay-ms` plus a
 * uniform jitter of up to `--jitter-ms`, and drops a `--loss` share of them at random. It stands
 * in for `tc qdisc … netem loss … delay …`, which this machine's kernel lacks (no sch_netem).
 *
 *   ip netns exec vr-… node --import tsx test/support/impaired-responder.ts --loss 0.05 --delay-ms 20 --jitter-ms 50
 *
 * Prints "ready" once its socket is open; exits when its standard input closes (its parent died).
 * Reference: RFC 792 (echo / echo reply), RFC 1071 (checksum).
 */
import { parseArgs } from "node:util";
import rawSocket from "raw-socket";
import { internetChecksum } from "../../src/probe/icmp-packet.js";

const { values } = parseArgs({
  options: {
    loss: { type: "string", default: "0" },
    "delay-ms": { type: "string", default: "0" },
    "jitter-ms": { type: "string", default: "0" },
  },
});
const loss = Number(values.loss);
const delayMs = Number(values["delay-ms"]);
const jitterMs = Number(values["jitter-ms"]);
if (![loss, delayMs, jitterMs].every(Number.isFinite) || loss < 0 || loss > 1) {
  process.stderr.write("impaired-responder: --loss 0..1, --delay-ms and --jitter-ms ≥ 0\n");
  process.exit(2);
}

const ECHO_REQUEST = 8;
const ECHO_REPLY = 0;
const socket = rawSocket.createSocket({
  protocol: rawSocket.Protocol.ICMP,
  addressFamily: rawSocket.AddressFamily.IPv4,
});
socket.on("message", (packet: Buffer, source: string) => {
  const headerLength = ((packet[0] ?? 0) & 0x0f) * 4;
  const icmp = Buffer.from(packet.subarray(headerLength));
  if (icmp.length < 8 || icmp[0] !== ECHO_REQUEST) return;
  if (Math.random() < loss) return;
  icmp[0] = ECHO_REPLY;
  icmp.writeUInt16BE(0, 2);
  icmp.writeUInt16BE(internetChecksum(icmp), 2);
  setTimeout(
    () => socket.send(icmp, 0, icmp.length, source, () => undefined),
    delayMs + Math.random() * jitterMs,
  );
});
socket.on("error", (error: Error) => {
  process.stderr.write(`impaired-responder: ${error.message}\n`);
  process.exit(1);
});
process.stdout.write("ready\n");
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
