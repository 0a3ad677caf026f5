/**
 * Issue 3's example of an existing vpc-router command line, shared by the tests that run or parse
 * it unchanged.
 */

/**
 * `-m configfile -f <specFile> -r us-east-1 -v vpc-350d6a51 --health tcp --tcp_check_port <port>`.
 * @param specFile - the route spec file, as given to `-f` (relative paths are the process's cwd).
 * @param tcpCheckPort - the `--tcp_check_port` value (default "22", as in the issue).
 */
export function vpcRouterExampleArgs(specFile: string, tcpCheckPort = "22"): string[] {
  return [
    "-m",
    "configfile",
    "-f",
    specFile,
    "-r",
    "us-east-1",
    "-v",
    "vpc-350d6a51",
    "--health",
    "tcp",
    "--tcp_check_port",
    tcpCheckPort,
  ];
}
