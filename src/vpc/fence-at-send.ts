/**
 * The term fence's last check, made synchronously inside the AWS SDK right before the HTTP request
 * leaves (after signing): a stall between the guard's check and the send (a GC pause, SIGSTOP, VM
 * steal) must not let a deposed leader's request reach EC2 late (docs/DESIGN.md, safety rule 2).
 */
import type { DeserializeHandler, DeserializeHandlerArguments, MiddlewareStack } from "@smithy/types";
import { GuardRefused } from "./guarded-call.js";

/**
 * Adds the last check to `command`: a middleware at the innermost position of the SDK's stack
 * (step `deserialize`, priority `low`: after serialising and signing, right before the HTTP
 * handler writes the request), which calls `mayMutateNow` synchronously and refuses when it says
 * no. Node writes a request on a kept-alive connection before any timer can run, so the guard's
 * time budget alone cannot stop it after a stall.
 * Source: https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/middleware-stack.html
 * @returns `command` itself
 * @throws nothing here; the send rejects with {@link GuardRefused}
 */
export function fenceAtSend<Input extends object, Output extends object, C>(
  command: C & { readonly middlewareStack: MiddlewareStack<Input, Output> },
  mayMutateNow: () => boolean,
): C {
  command.middlewareStack.add(
    (next: DeserializeHandler<Input, Output>) => (args: DeserializeHandlerArguments<Input>) => {
      if (!mayMutateNow()) return Promise.reject(new GuardRefused("just before it was sent"));
      return next(args);
    },
    // `override`: a command sent again (a retry) keeps one such check, the latest.
    { step: "deserialize", priority: "low", name: "vpcrouterFenceAtSend", override: true },
  );
  return command;
}
