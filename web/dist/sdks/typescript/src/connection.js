// How the Duplex connector client reaches its servers, generated from its definition. Do not edit.
/** The servers of the Duplex connector API. */
export const DuplexConnectorEnvironment = {
    /**
     * `duplex serve` with its default listen address. Each connector in `duplex.toml`
     * has its own path; `/ws` is the one the web chat page uses.
     */
    Local: "ws://127.0.0.1:8080",
};
/** The base URL a channel connects to: `baseUrl`, else the environment, with server variables filled in. */
export function baseUrl(options) {
    const template = options.baseUrl ?? options.environment ?? DuplexConnectorEnvironment.Local;
    return template;
}
/** The auth schemes of the API, as the runtime places them. */
export const AUTH_SCHEMES = {
    secret: { name: "secret", kind: "api_key", carriers: [{ in: "first_message", field: "secret" }, { in: "query", name: "secret" }] },
};
