/**
 * The built-in spec sources on the plugin API: configfile (vpc-router's `-f/--file`) and fixedconf
 * (`--fixed_cidr`, `--fixed_hosts`). Their options are the settings vpc-router's users know
 * (`spec.file`, `spec.fixedCidr`, `spec.fixedHosts`), handed over by the built-in registry.
 */
import type { SpecSourcePlugin } from "../plugin/api.js";
import { formatSpecProblems } from "../route-spec/parse.js";
import { ConfigFileSource } from "./config-file-source.js";
import { fixedSpecSource } from "./fixed-spec.js";
import type { SpecReading, SpecSource } from "./spec-source.js";

/** Passes each reading of a source on to a plugin context, the first one included. */
function forward(source: SpecSource, emit: (spec: unknown) => void, fail: (problem: string) => void): void {
  const pass = ({ result }: SpecReading) => {
    if (result.ok) emit(result.spec);
    else fail(formatSpecProblems(result.problems));
  };
  pass(source.latest);
  source.onChange(pass);
}

/** configfile: the spec file `file`, watched for changes (options `file`, `maxRoutes`, `pollIntervalMs`). */
export const configFilePlugin: SpecSourcePlugin = {
  apiVersion: 1,
  kind: "spec-source",
  name: "configfile",
  description: "route spec file (spec.file), watched for changes",
  start({ options, emit, fail }) {
    const source = ConfigFileSource.open({
      path: String(options.file),
      maxRoutes: Number(options.maxRoutes),
      ...(typeof options.pollIntervalMs === "number" ? { pollIntervalMs: options.pollIntervalMs } : {}),
    });
    forward(source, emit, fail);
    return { stop: () => source.close() };
  },
};

/** fixedconf: the one route `cidr` → `hosts` (options `cidr`, `hosts`, `maxRoutes`). */
export const fixedConfPlugin: SpecSourcePlugin = {
  apiVersion: 1,
  kind: "spec-source",
  name: "fixedconf",
  description: "one fixed route from the configuration (spec.fixedCidr, spec.fixedHosts)",
  start({ options, emit, fail }) {
    const hosts = Array.isArray(options.hosts) ? options.hosts.map(String) : [];
    forward(
      fixedSpecSource(
        { fixedCidr: String(options.cidr), fixedHosts: hosts },
        { maxRoutes: Number(options.maxRoutes) },
      ),
      emit,
      fail,
    );
    return undefined;
  },
};
