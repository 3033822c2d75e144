/**
 * Picks the WebSocket implementation: the `ws` package in Node (it can send headers),
 * the native `WebSocket` everywhere else. Node 20 has no global `WebSocket`, so `ws` is
 * required there; newer Node versions fall back to their global `WebSocket` when `ws` is
 * not installed, at the cost of header support.
 */
/** `WebSocket.OPEN`: the same in every implementation. */
export const WS_OPEN = 1;
/**
 * Wraps a constructor into a transport. `supportsHeaders` says whether it accepts a
 * third `{ headers }` argument, as `ws` does.
 */
export function transportFrom(ctor, supportsHeaders) {
    return {
        supportsHeaders,
        open(url, protocols, headers) {
            const args = [url, protocols];
            const socket = supportsHeaders
                ? new ctor(...args, { headers })
                : new ctor(...args);
            return socket;
        },
    };
}
let detected;
/** The transport for this environment, detected once and then reused. */
export function defaultTransport() {
    detected ??= detect();
    return detected;
}
async function detect() {
    const global = globalThis;
    if (typeof global.process?.versions?.node === "string") {
        try {
            // A variable specifier keeps bundlers from pulling `ws` into browser builds and
            // spares the package a dependency on `@types/ws`.
            const specifier = "ws";
            const ws = (await import(specifier));
            const ctor = ws.WebSocket ?? ws.default;
            if (ctor !== undefined) {
                return transportFrom(ctor, true);
            }
        }
        catch {
            // Not installed: fall through to the global WebSocket.
        }
    }
    if (global.WebSocket !== undefined) {
        return transportFrom(global.WebSocket, false);
    }
    throw new Error("no WebSocket implementation found: install the `ws` package (npm install ws) " +
        "or pass a `WebSocket` constructor in the client options");
}
