/**
 * Checks that involve more than one setting (convict validates each setting alone). Pure: no I/O.
 */
import { parseIpv4Cidr } from "../route-spec/cidr.js";
import type { VpcrouterConfig } from "./schema.js";

/**
 * Finds cross-setting problems in an otherwise valid configuration.
 *
 * @returns one message per problem, each starting with the setting it concerns, e.g.
 *   `"probe.timeoutMs: must be below probe.intervalMs (500 >= 500)"`; empty when consistent.
 */
export function crossSettingProblems(config: VpcrouterConfig): string[] {
  const problems: string[] = [];
  const { probe, election, aws, etcd, spec } = config;
  if (probe.timeoutMs >= probe.intervalMs) {
    problems.push(
      `probe.timeoutMs: must be below probe.intervalMs (${probe.timeoutMs} >= ${probe.intervalMs})`,
    );
  }
  // A margin as long as the lease would forbid every EC2 write (docs/DESIGN.md, safety rule 2).
  if (election.safetyMarginMs >= election.ttlSeconds * 1000) {
    problems.push(
      `election.safetyMarginMs: must be below election.ttlSeconds in ms (${election.safetyMarginMs} >= ${election.ttlSeconds * 1000})`,
    );
  }
  if (aws.maxBackoffMs < aws.initialBackoffMs) {
    problems.push(
      `aws.maxBackoffMs: must be at least aws.initialBackoffMs (${aws.maxBackoffMs} < ${aws.initialBackoffMs})`,
    );
  }
  if ((etcd.certFile === "") !== (etcd.keyFile === "")) {
    const missing = etcd.certFile === "" ? "etcd.certFile" : "etcd.keyFile";
    problems.push(
      `${missing}: must be set together with ${missing === "etcd.certFile" ? "etcd.keyFile" : "etcd.certFile"}`,
    );
  }
  // etcd3 passes the CA, key and chain to grpc together; it has no "system roots + client cert" form.
  if (etcd.certFile !== "" && etcd.caFile === "") {
    problems.push(
      "etcd.caFile: must be set when etcd.certFile and etcd.keyFile are (client certificate TLS)",
    );
  }
  const hasPassword = etcd.password !== "" || etcd.passwordFile !== "";
  if (etcd.password !== "" && etcd.passwordFile !== "") {
    problems.push("etcd.passwordFile: set either etcd.password or etcd.passwordFile, not both");
  }
  if (etcd.username === "" && hasPassword) {
    problems.push("etcd.username: must be set together with etcd.password or etcd.passwordFile");
  }
  if (etcd.username !== "" && !hasPassword) {
    problems.push("etcd.password: etcd.username needs a password: set etcd.passwordFile (or etcd.password)");
  }
  // etcdctl's --user takes user:password; here the password never rides in a flag (the process list).
  if (etcd.username.includes(":")) {
    problems.push(
      "etcd.username: must not contain ':' (give the password through etcd.passwordFile, not user:password)",
    );
  }
  problems.push(...apiTlsProblems(config.api.tls));
  if ((config.api.client.cert === "") !== (config.api.client.key === "")) {
    problems.push("api.client.cert: api.client.cert and api.client.key must be set together");
  }
  problems.push(...specModeProblems(spec));
  return problems;
}

/** HTTPS needs both a certificate and its key; a client CA only makes sense over HTTPS. */
function apiTlsProblems(tls: VpcrouterConfig["api"]["tls"]): string[] {
  if ((tls.cert === "") !== (tls.key === "")) {
    const missing = tls.cert === "" ? "api.tls.cert" : "api.tls.key";
    return [`${missing}: api.tls.cert and api.tls.key must be set together`];
  }
  if (tls.clientCa !== "" && tls.cert === "") {
    return ["api.tls.clientCa: needs api.tls.cert and api.tls.key (mutual TLS is TLS first)"];
  }
  return [];
}

/**
 * The settings each spec mode needs (vpc-router's -f, --fixed_cidr, --fixed_hosts), worded like
 * vpc-router's own checks (watcher/plugins/configfile.py, fixedconf.py) after the setting's name.
 */
function specModeProblems(spec: VpcrouterConfig["spec"]): string[] {
  const problems: string[] = [];
  if (spec.mode === "configfile" && spec.file === "") {
    problems.push("spec.file: A config file needs to be specified (-f/--file) in configfile mode");
  }
  if (spec.mode === "fixedconf") {
    if (spec.fixedCidr === "") {
      problems.push(
        "spec.fixedCidr: A CIDR needs to be specified (--fixed_cidr/--fixed-cidr) in fixedconf mode",
      );
    } else {
      const cidr = parseIpv4Cidr(spec.fixedCidr);
      if (!cidr.ok) problems.push(`spec.fixedCidr: Not a valid CIDR: ${cidr.message}`);
    }
    if (spec.fixedHosts.length === 0) {
      problems.push(
        "spec.fixedHosts: A hosts list needs to be specified as IP addresses separated by ':' (--fixed_hosts/--fixed-hosts) in fixedconf mode",
      );
    }
  }
  return problems;
}
