/**
 * A tiny XML writer shaped for EC2 Query API replies: objects become elements, arrays become
 * `<item>` children (EC2's list convention, e.g. `routeTableSet/item`), `undefined` is omitted.
 * Source: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html
 */

/** A value the writer can render. */
export type XmlValue = string | number | boolean | undefined | readonly XmlValue[] | XmlObject;
/** An element's children by name, rendered in insertion order. */
export interface XmlObject {
  readonly [name: string]: XmlValue;
}

/** The XML namespace of every EC2 reply (API version 2016-11-15). */
export const EC2_XML_NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/";

/** Escapes text for element content. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

function renderChildren(value: XmlValue): string {
  if (value === undefined) return "";
  if (Array.isArray(value)) return value.map((item: XmlValue) => renderElement("item", item)).join("");
  if (typeof value === "object") {
    return Object.entries(value as XmlObject)
      .map(([name, child]) => renderElement(name, child))
      .join("");
  }
  return escapeXml(String(value));
}

function renderElement(name: string, value: XmlValue): string {
  if (value === undefined) return "";
  const inner = renderChildren(value);
  return inner === "" ? `<${name}/>` : `<${name}>${inner}</${name}>`;
}

/**
 * Renders a successful reply: `<{action}Response xmlns="…"><requestId>…</requestId>…body…</…>`.
 * @param action EC2 action name, e.g. `DescribeRouteTables`
 * @param requestId the request id echoed in the reply
 * @param body the reply's fields (EC2 wire names, camelCase)
 */
export function renderResponse(action: string, requestId: string, body: XmlObject): string {
  const inner = renderChildren({ requestId, ...body });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_XML_NAMESPACE}">${inner}</${action}Response>`;
}

/** Renders an error reply in EC2's shape (`Response/Errors/Error/{Code,Message}` + `RequestID`). */
export function renderError(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${escapeXml(requestId)}</RequestID></Response>`;
}
