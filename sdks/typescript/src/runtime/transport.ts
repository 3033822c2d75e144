/**
 * Picks the WebSocket implementation: the `ws` package in Node (it can send headers),
 * the native `WebSocket` everywhere else. Node 20 has no global `WebSocket`, so `ws` is
 * required there; newer Node versions fall back to their global `WebSocket` when `ws` is
 * not installed, at the cost of header support.
 */

/** The part of the WHATWG `WebSocket` interface this runtime uses. */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  send(data: string | ArrayBufferLike | ArrayBufferView | Blob): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** Opens one WebSocket connection. */
export interface Transport {
  /** Whether this transport can set request headers on the handshake. */
  readonly supportsHeaders: boolean;
  open(
    url: string,
    protocols: string[],
    headers: Record<string, string>,
  ): WebSocketLike;
}

/** A `WebSocket` constructor: the native one, `ws`, or any compatible class. */
export type WebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
  options?: { headers?: Record<string, string> },
) => unknown;

/** `WebSocket.OPEN`: the same in every implementation. */
export const WS_OPEN = 1;

/**
 * Wraps a constructor into a transport. `supportsHeaders` says whether it accepts a
 * third `{ headers }` argument, as `ws` does.
 */
export function transportFrom(
  ctor: WebSocketConstructor,
  supportsHeaders: boolean,
): Transport {
  return {
    supportsHeaders,
    open(url, protocols, headers) {
      const args: [string, string[]] = [url, protocols];
      const socket = supportsHeaders
        ? new ctor(...args, { headers })
        : new ctor(...args);
      return socket as WebSocketLike;
    },
  };
}

interface NodeGlobal {
  process?: { versions?: { node?: string } };
  WebSocket?: WebSocketConstructor;
}

let detected: Promise<Transport> | undefined;

/** The transport for this environment, detected once and then reused. */
export function defaultTransport(): Promise<Transport> {
  detected ??= detect();
  return detected;
}

async function detect(): Promise<Transport> {
  const global = globalThis as unknown as NodeGlobal;
  if (typeof global.process?.versions?.node === "string") {
    try {
      // A variable specifier keeps bundlers from pulling `ws` into browser builds and
      // spares the package a dependency on `@types/ws`.
      const specifier = "ws";
      const ws = (await import(specifier)) as {
        default?: WebSocketConstructor;
        WebSocket?: WebSocketConstructor;
      };
      const ctor = ws.WebSocket ?? ws.default;
      if (ctor !== undefined) {
        return transportFrom(ctor, true);
      }
    } catch {
      // Not installed: fall through to the global WebSocket.
    }
  }
  if (global.WebSocket !== undefined) {
    return transportFrom(global.WebSocket, false);
  }
  throw new Error(
    "no WebSocket implementation found: install the `ws` package (npm install ws) " +
      "or pass a `WebSocket` constructor in the client options",
  );
}
