/**
 * Test certificates made with openssl: a CA, a server certificate and a client certificate, for
 * etcd's and the API's TLS tests.
 */
import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
}

/**
 * Makes, in `dir`: `ca.pem`/`ca.key` (a test CA), `server.pem`/`server.key` (for IP 127.0.0.1 and
 * the name localhost, plus `extraSans`) and `client.pem`/`client.key` (CN vpcrouter), P-256, valid 2 days.
 * @param extraSans - more subjectAltName entries for the server, e.g. `["IP:198.18.0.1"]`.
 */
export async function makeCertificates(dir: string, extraSans: readonly string[] = []): Promise<void> {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(dir, [
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=vpcrouter-test-ca",
  ]);
  await writeFile(
    join(dir, "server.ext"),
    `subjectAltName=${["IP:127.0.0.1", "DNS:localhost", ...extraSans].join(",")}\nextendedKeyUsage=serverAuth,clientAuth\n`,
  );
  await writeFile(join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
  for (const [name, cn] of [
    ["server", "127.0.0.1"],
    ["client", "vpcrouter"],
  ] as const) {
    openssl(dir, ["req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`]);
    openssl(dir, [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
    ]);
  }
}
