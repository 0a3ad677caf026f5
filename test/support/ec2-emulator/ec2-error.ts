/**
 * An EC2 API error as the emulator reports it: HTTP status + EC2 error code + message, rendered as
 * `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`.
 * Source: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
 */
export class Ec2Error extends Error {
  /**
   * @param status HTTP status code (400 for client errors, 503 for `RequestLimitExceeded`, 500 for `InternalError`)
   * @param code EC2 error code, e.g. `InvalidRouteTableID.NotFound`
   * @param message human-readable message, worded like EC2's where known
   */
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "Ec2Error";
  }
}

/** Shorthand for a 400 client error. */
export function clientError(code: string, message: string): Ec2Error {
  return new Ec2Error(400, code, message);
}
