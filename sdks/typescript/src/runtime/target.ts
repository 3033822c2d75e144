/**
 * Builds what one connection attempt needs: the URL with path and query parameters,
 * the headers, the subprotocols, and the credential placed where the API expects it.
 * Generated channel code calls these helpers on every (re)connect, so a credential
 * supplied as a function is fetched afresh each time.
 */

/** Everything needed to open one connection. */
export interface ConnectionTarget {
  url: string;
  headers: Record<string, string>;
  protocols: string[];
  /** Sent as JSON right after the socket opens, before any queued message. */
  firstMessage?: Record<string, unknown>;
}

/** A credential, or a (possibly async) function that returns one on every connect. */
export type Supplier<T> = T | (() => T | Promise<T>);

/** Where a credential travels, in the API's order of preference. */
export type AuthCarrier =
  | { in: "header"; name: string; prefix?: string }
  | { in: "query"; name: string }
  | { in: "subprotocol" }
  | { in: "first_message"; field: string };

/**
 * Session resume through the first message: the `property` of the last received `event`
 * is sent back as `field` in the first message of every later (re)connect.
 */
export interface ResumeConfig {
  /** The event (received message) that carries the value. */
  event: string;
  /** Its property holding the value. */
  property: string;
  /** The first message's field that sends it back. */
  field: string;
  /** A value to resume from the start, e.g. one kept from an earlier page load. */
  value?: string;
}

/** An authentication scheme as the generated client describes it to the runtime. */
export interface AuthScheme {
  name: string;
  kind: "api_key" | "bearer" | "basic";
  carriers: readonly AuthCarrier[];
}

/** User name and password for HTTP Basic authentication. */
export interface BasicCredentials {
  username: string;
  password: string;
}

/** Resolves a supplier: calls it when it is a function. */
export async function resolve<T>(supplier: Supplier<T>): Promise<T> {
  return typeof supplier === "function"
    ? await (supplier as () => T | Promise<T>)()
    : supplier;
}

/**
 * Fills `{name}` placeholders of a server URL from `variables`; a placeholder without a
 * value throws, naming it.
 */
export function expandUrl(
  template: string,
  variables: Record<string, string | undefined>,
): string {
  return template.replace(/\{([^}]+)\}/g, (_whole: string, name: string) => {
    const value = variables[name];
    if (value === undefined) {
      throw new Error(
        `server variable \`${name}\` of ${template} has no value; pass it in the \`variables\` client option`,
      );
    }
    return value;
  });
}

/**
 * Starts a target from a base URL and an address such as `/chat/{id}`. `http(s)` URLs
 * become `ws(s)`; path parameters are percent-encoded. `override`, the caller's own
 * address for a channel mounted elsewhere (`/chat/support`), replaces `address` as it is
 * (no placeholders filled); it must be a path, since the host belongs in the base URL.
 */
export function newTarget(
  baseUrl: string,
  address: string,
  pathParams: Record<string, unknown>,
  override?: string,
): ConnectionTarget {
  if (override !== undefined && !override.startsWith("/")) {
    throw new Error(
      `the channel address override \`${override}\` is not a path: give one such as \`/chat/support\`, and the host in the client's baseUrl`,
    );
  }
  const path =
    override ??
    address.replace(/\{([^}]+)\}/g, (_whole: string, key: string) => {
      const value = pathParams[key];
      if (value === undefined || value === null) {
        throw new Error(`missing path parameter \`${key}\` for ${address}`);
      }
      return encodeURIComponent(String(value));
    });
  const base = baseUrl
    .replace(/^http:/i, "ws:")
    .replace(/^https:/i, "wss:")
    .replace(/\/+$/, "");
  const url =
    path === "" || path === "/"
      ? base
      : `${base}${path.startsWith("/") ? "" : "/"}${path}`;
  return { url, headers: {}, protocols: [] };
}

/** Turns a parameter value into its text form: JSON for objects, text otherwise. */
function text(value: unknown): string {
  return typeof value === "object" && value !== null
    ? JSON.stringify(value)
    : String(value);
}

/** Appends a query parameter; arrays repeat the key, `undefined` adds nothing. */
export function addQuery(
  target: ConnectionTarget,
  name: string,
  value: unknown,
): void {
  if (value === undefined || value === null) {
    return;
  }
  const values = Array.isArray(value) ? value : [value];
  const parts = values.map(
    (v) => `${encodeURIComponent(name)}=${encodeURIComponent(text(v))}`,
  );
  if (parts.length === 0) {
    return;
  }
  const separator = target.url.includes("?") ? "&" : "?";
  target.url = `${target.url}${separator}${parts.join("&")}`;
}

/** Sets a header; `undefined` sets nothing. */
export function addHeader(
  target: ConnectionTarget,
  name: string,
  value: unknown,
): void {
  if (value !== undefined && value !== null) {
    target.headers[name] = text(value);
  }
}

function encodeBase64(input: string): string {
  const bytes = new TextEncoder().encode(input);
  let binary = "";
  for (const byte of bytes) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary);
}

/**
 * Places a credential for `scheme` into the target. Without header support (browsers),
 * a header carrier gives way to the first query, subprotocol or first-message carrier
 * the API declares; if there is none, this throws, naming the scheme.
 */
export async function applyAuth(
  target: ConnectionTarget,
  scheme: AuthScheme,
  supplier: Supplier<string | BasicCredentials>,
  supportsHeaders: boolean,
): Promise<void> {
  const credential = await resolve(supplier);
  const value =
    typeof credential === "string"
      ? credential
      : encodeBase64(`${credential.username}:${credential.password}`);
  const carrier = supportsHeaders
    ? scheme.carriers[0]
    : scheme.carriers.find((c) => c.in !== "header");
  if (carrier === undefined) {
    throw new Error(
      `auth scheme \`${scheme.name}\` can only be sent in a header, which this ` +
        "WebSocket implementation cannot set (browsers cannot); connect from Node " +
        "with the `ws` package, or use an API that accepts the credential in the query",
    );
  }
  switch (carrier.in) {
    case "header":
      target.headers[carrier.name] = `${carrier.prefix ?? ""}${value}`;
      break;
    case "query":
      addQuery(target, carrier.name, value);
      break;
    case "subprotocol":
      target.protocols.push(value);
      break;
    case "first_message":
      target.firstMessage = { ...target.firstMessage, [carrier.field]: value };
      break;
  }
}
