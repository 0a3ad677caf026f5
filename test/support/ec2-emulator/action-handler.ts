/** The shape of one emulated EC2 action. */
import type { QueryParams } from "./query-params.js";
import type { World } from "./world.js";
import type { XmlObject } from "./xml.js";

/**
 * Runs one action against the world and returns the reply's fields (EC2 wire names).
 * Throws `Ec2Error` for EC2 errors.
 */
export type ActionHandler = (world: World, params: QueryParams) => XmlObject;
