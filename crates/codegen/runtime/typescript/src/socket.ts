/**
 * A reconnecting, typed WebSocket: the base class of every generated channel socket.
 *
 * It owns the connection lifecycle (connect, reconnect with exponential backoff and
 * jitter, close), a bounded queue of sends made while not connected, an event emitter
 * with any number of handlers per event, dispatch of received messages through the
 * generated `classify` function, and async iteration over received messages.
 */

import type { ConnectionTarget, ResumeConfig } from "./target.js";
import {
  defaultTransport,
  transportFrom,
  WS_OPEN,
  type Transport,
  type WebSocketConstructor,
  type WebSocketLike,
} from "./transport.js";

/** Where the socket is in its lifecycle. */
export type ReadyState =
  | "connecting"
  | "open"
  | "reconnecting"
  | "closing"
  | "closed";

/** Receives the socket's diagnostics; `console` fits. */
export interface Logger {
  debug(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

/** How the socket reconnects after the connection drops. */
export interface ReconnectOptions {
  /** Set to `false` to never reconnect. Default `true`. */
  enabled?: boolean;
  /** Consecutive failed attempts before giving up. Default 10. */
  maxAttempts?: number;
  /** Delay before the first attempt, in milliseconds. Default 500. */
  initialDelayMs?: number;
  /** Upper bound of the delay, in milliseconds. Default 30000. */
  maxDelayMs?: number;
  /** Each attempt's delay is the previous one times this. Default 2. */
  multiplier?: number;
  /** Fraction of the delay that is randomised (0 to 1). Default 0.3. */
  jitter?: number;
  /**
   * Close codes after which the server must not be retried. Default: 1002, 1003,
   * 1007, 1008, 1009, 1010 (protocol and policy errors). A normal close (1000) never
   * reconnects.
   */
  terminalCloseCodes?: readonly number[];
}

/** Options common to every socket, usually given once on the client. */
export interface SocketOptions {
  reconnect?: ReconnectOptions;
  /** Most messages kept while not connected; a send beyond it throws. Default 1000. */
  maxQueueSize?: number;
  logger?: Logger;
  /**
   * A WebSocket constructor to use instead of detecting one (the native `WebSocket`,
   * the `ws` package, or a compatible class). Classes that accept `{ headers }` as a
   * third argument, as `ws` does, should set `webSocketSupportsHeaders`.
   */
  WebSocket?: WebSocketConstructor;
  webSocketSupportsHeaders?: boolean;
}

/** Why the socket closed, and whether it will reconnect. */
export interface CloseInfo {
  code: number;
  reason: string;
  willReconnect: boolean;
  /**
   * Set when the server ended the socket with a close code after which reconnecting
   * cannot help (a wrong secret, say): the same error `waitFor`, `waitForOpen`, sends and
   * iteration then fail with.
   */
  error?: ServerClosedError;
}

/** What the API says one close code means: whether to reconnect, and why. */
export interface CloseCodeInfo {
  reconnect: boolean;
  description?: string;
}

/** One scheduled reconnect attempt. */
export interface ReconnectInfo {
  attempt: number;
  delayMs: number;
}

/** Something went wrong: `data` holds the raw frame when a message was not JSON. */
export class SocketError extends Error {
  readonly data: unknown;
  constructor(message: string, data?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SocketError";
    this.data = data;
  }
}

/** Thrown by a send after `close()` or after the socket gave up reconnecting. */
export class SocketClosedError extends Error {
  constructor() {
    super("the socket is closed; create a new one with connect()");
    this.name = "SocketClosedError";
  }
}

/**
 * The server closed the connection with a code after which reconnecting cannot help
 * (the API's spec says so, e.g. 4001 for a wrong secret): the socket is closed for good.
 */
export class ServerClosedError extends SocketClosedError {
  readonly code: number;
  readonly reason: string;
  readonly description: string | undefined;
  constructor(code: number, reason: string, description?: string) {
    super();
    this.name = "ServerClosedError";
    this.code = code;
    this.reason = reason;
    this.description = description;
    const said = reason === "" ? "" : ` (${reason})`;
    const why = description === undefined ? "" : `: ${description}`;
    this.message = `the server closed the connection with ${code}${said}, which is not retried${why}`;
  }
}

/** Thrown by a send while disconnected when the queue already holds `maxQueueSize`. */
export class QueueFullError extends Error {
  constructor(size: number) {
    super(
      `the send queue is full (${size} messages) while the socket reconnects; ` +
        "raise maxQueueSize or wait for the `open` event",
    );
    this.name = "QueueFullError";
  }
}

/** The events every socket emits; generated sockets add one per received message. */
export interface SocketEvents<In> {
  open: [];
  /** Every received message that matched a known type. */
  message: [In];
  /** A JSON message that matched no known type. */
  unknown: [unknown];
  /** A binary frame. */
  binary: [ArrayBuffer];
  error: [SocketError];
  close: [CloseInfo];
  reconnecting: [ReconnectInfo];
}

/**
 * The runtime's own events. A generated socket whose API has a message of the same name
 * (an `error` message, say) keeps that name for the message and emits the runtime's
 * event under another (`socketError`), given in {@link SocketConfig.lifecycle}.
 */
export type LifecycleEvent = keyof SocketEvents<unknown>;

/** The result of recognising a received message: its event name and typed value. */
export interface Classified {
  event: string;
  message: unknown;
}

/** Callbacks given to `connect()`, registered before the first connection attempt. */
export interface ConnectCallbacks<In> {
  onOpen?: () => void;
  onMessage?: (message: In) => void;
  onClose?: (info: CloseInfo) => void;
  onError?: (error: SocketError) => void;
}

/** What a generated socket passes to this base class. */
export interface SocketConfig<In> extends SocketOptions {
  /** Builds the URL, headers and auth; called on every (re)connect. */
  target: (transport: {
    supportsHeaders: boolean;
  }) => Promise<ConnectionTarget>;
  /** Tells received JSON messages apart; `undefined` means unknown. */
  classify: (data: unknown) => Classified | undefined;
  callbacks?: ConnectCallbacks<In>;
  /** New names for the runtime's events whose names the API's messages take. */
  lifecycle?: Partial<Record<LifecycleEvent, string>>;
  /** Set when the API resumes sessions through its first message. */
  resume?: ResumeConfig;
  /** What the API's close codes mean; a code with `reconnect: false` ends the socket. */
  closeCodes?: Readonly<Record<number, CloseCodeInfo>>;
}

const DEFAULT_TERMINAL_CODES: readonly number[] = [
  1002, 1003, 1007, 1008, 1009, 1010,
];

type Handler = (...args: never[]) => void;

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

/** The base class of generated sockets. Connecting starts at construction. */
export class Socket<Out, In, Events extends object = SocketEvents<In>>
  implements AsyncIterable<In>
{
  #config: SocketConfig<In>;
  #handlers = new Map<keyof Events, Set<Handler>>();
  #state: ReadyState = "connecting";
  #ws: WebSocketLike | undefined;
  #queue: string[] = [];
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closedByUser = false;
  #openWaiters: Waiter[] = [];
  #iterators = new Set<{
    push(message: In): void;
    end(error?: Error): void;
  }>();
  #closedError: SocketClosedError | undefined;
  #resumeValue: string | undefined;

  constructor(config: SocketConfig<In>) {
    this.#config = config;
    this.#resumeValue = config.resume?.value;
    const callbacks = config.callbacks ?? {};
    const on = (event: string, handler: Handler | undefined) => {
      if (handler !== undefined) {
        this.#handlerSet(event as keyof Events).add(handler);
      }
    };
    on(this.#lifecycle("open"), callbacks.onOpen);
    on(this.#lifecycle("message"), callbacks.onMessage as Handler | undefined);
    on(this.#lifecycle("close"), callbacks.onClose as Handler | undefined);
    on(this.#lifecycle("error"), callbacks.onError as Handler | undefined);
    void this.#connect();
  }

  /** Where the socket is in its lifecycle. */
  get readyState(): ReadyState {
    return this.#state;
  }

  /**
   * The value the next (re)connect resumes with (a session id): the last one received,
   * else the one given to `connect()`. `undefined` when there is none yet.
   */
  get resumeValue(): string | undefined {
    return this.#resumeValue;
  }

  /**
   * Resolves with the next `event` (for which `filter`, when given, returns true);
   * rejects with `SocketClosedError` if the socket closes for good first.
   */
  waitFor<K extends keyof Events & string>(
    event: K,
    filter?: (...args: Events[K] & unknown[]) => boolean,
  ): Promise<(Events[K] & unknown[])[0]> {
    if (this.#state === "closed") {
      return Promise.reject(this.#closedError ?? new SocketClosedError());
    }
    return new Promise((resolve, reject) => {
      const closeSet = this.#handlerSet(
        this.#lifecycle("close") as keyof Events,
      );
      const handler = (...args: Events[K] & unknown[]) => {
        if (filter === undefined || filter(...args)) {
          this.off(event, handler);
          closeSet.delete(onClose as Handler);
          resolve(args[0] as (Events[K] & unknown[])[0]);
        }
      };
      const onClose = (info: CloseInfo) => {
        if (!info.willReconnect) {
          this.off(event, handler);
          closeSet.delete(onClose as Handler);
          reject(info.error ?? new SocketClosedError());
        }
      };
      this.on(event, handler);
      closeSet.add(onClose as Handler);
    });
  }

  /**
   * Iterates over received messages up to and including the first one for which `last`
   * returns true (say the end of a reply), or until the socket closes for good.
   */
  async *until(last: (message: In) => boolean): AsyncGenerator<In, void> {
    for await (const message of this) {
      yield message;
      if (last(message)) {
        return;
      }
    }
  }

  /** Adds a handler; any number of handlers may listen to one event. */
  on<K extends keyof Events & string>(
    event: K,
    handler: (...args: Events[K] & unknown[]) => void,
  ): this {
    this.#handlerSet(event).add(handler as Handler);
    return this;
  }

  /** Removes a handler added with `on`, or every handler of `event` when none is given. */
  off<K extends keyof Events & string>(
    event: K,
    handler?: (...args: Events[K] & unknown[]) => void,
  ): this {
    if (handler === undefined) {
      this.#handlers.delete(event);
    } else {
      this.#handlers.get(event)?.delete(handler as Handler);
    }
    return this;
  }

  /**
   * Sends a message as JSON. While (re)connecting, it is queued and sent in order once
   * the connection opens. Throws `SocketClosedError` after `close()`, and
   * `QueueFullError` when the queue is full.
   */
  send(message: Out): void {
    this.sendRaw(JSON.stringify(message));
  }

  /** Sends text or binary data as is, queued like `send`. */
  sendRaw(data: string | ArrayBufferLike | ArrayBufferView): void {
    if (this.#state === "closing" || this.#state === "closed") {
      throw this.#closedError ?? new SocketClosedError();
    }
    if (this.#state === "open" && this.#ws?.readyState === WS_OPEN) {
      this.#ws.send(data as string);
      return;
    }
    const max = this.#config.maxQueueSize ?? 1000;
    if (this.#queue.length >= max) {
      throw new QueueFullError(max);
    }
    this.#queue.push(data as string);
  }

  /** Resolves once the socket is open; rejects if it closes for good first. */
  waitForOpen(): Promise<void> {
    if (this.#state === "open") {
      return Promise.resolve();
    }
    if (this.#state === "closed" || this.#state === "closing") {
      return Promise.reject(this.#closedError ?? new SocketClosedError());
    }
    return new Promise((resolve, reject) => {
      this.#openWaiters.push({ resolve, reject });
    });
  }

  /** Closes the connection for good: no reconnect follows, queued sends are dropped. */
  close(code = 1000, reason = ""): void {
    if (this.#state === "closed" || this.#state === "closing") {
      return;
    }
    this.#closedByUser = true;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#queue.length > 0) {
      this.#log(
        "warn",
        `dropping ${this.#queue.length} queued message(s) on close`,
      );
      this.#queue = [];
    }
    const ws = this.#ws;
    if (ws !== undefined && ws.readyState <= WS_OPEN) {
      this.#state = "closing";
      ws.close(code, reason);
    } else {
      this.#finish({ code, reason, willReconnect: false });
    }
  }

  /**
   * Iterates over received messages until the socket closes for good; throws the
   * `ServerClosedError` when the server ended it with a code that is not retried.
   */
  [Symbol.asyncIterator](): AsyncIterator<In> {
    const buffered: In[] = [];
    let pending:
      | {
          resolve: (result: IteratorResult<In>) => void;
          reject: (error: Error) => void;
        }
      | undefined;
    let ended = this.#state === "closed";
    let failure: Error | undefined =
      this.#closedError instanceof ServerClosedError
        ? this.#closedError
        : undefined;
    const sink = {
      push: (message: In) => {
        if (pending !== undefined) {
          const { resolve } = pending;
          pending = undefined;
          resolve({ value: message, done: false });
        } else {
          buffered.push(message);
        }
      },
      end: (error?: Error) => {
        ended = true;
        failure = error;
        if (pending !== undefined) {
          const waiter = pending;
          pending = undefined;
          failure = undefined;
          if (error !== undefined) {
            waiter.reject(error);
          } else {
            waiter.resolve({ value: undefined, done: true });
          }
        }
      },
    };
    this.#iterators.add(sink);
    return {
      next: () => {
        const value = buffered.shift();
        if (value !== undefined) {
          return Promise.resolve({ value, done: false });
        }
        if (ended) {
          const error = failure;
          failure = undefined;
          return error === undefined
            ? Promise.resolve({ value: undefined, done: true })
            : Promise.reject(error);
        }
        return new Promise((resolve, reject) => {
          pending = { resolve, reject };
        });
      },
      return: () => {
        this.#iterators.delete(sink);
        sink.end();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  /** The name under which this socket emits one of the runtime's own events. */
  #lifecycle(event: LifecycleEvent): string {
    return this.#config.lifecycle?.[event] ?? event;
  }

  #emitLifecycle(event: LifecycleEvent, ...args: unknown[]): void {
    this.#emit(this.#lifecycle(event), ...args);
  }

  /** Emits an event to every handler; a throwing handler is logged, not propagated. */
  #emit(event: string, ...args: unknown[]): void {
    const handlers = this.#handlers.get(event as keyof Events);
    if (handlers === undefined) {
      return;
    }
    for (const handler of [...handlers]) {
      try {
        (handler as (...a: unknown[]) => void)(...args);
      } catch (error) {
        this.#log("error", `a \`${event}\` handler threw`, error);
      }
    }
  }

  #handlerSet(event: keyof Events): Set<Handler> {
    let set = this.#handlers.get(event);
    if (set === undefined) {
      set = new Set();
      this.#handlers.set(event, set);
    }
    return set;
  }

  #log(level: keyof Logger, message: string, ...details: unknown[]): void {
    this.#config.logger?.[level](message, ...details);
  }

  async #transport(): Promise<Transport> {
    const ctor = this.#config.WebSocket;
    return ctor !== undefined
      ? transportFrom(ctor, this.#config.webSocketSupportsHeaders ?? false)
      : await defaultTransport();
  }

  async #connect(): Promise<void> {
    let ws: WebSocketLike;
    let target: ConnectionTarget;
    try {
      const transport = await this.#transport();
      target = await this.#config.target(transport);
      if (this.#closedByUser) {
        return;
      }
      const resume = this.#config.resume;
      if (
        resume !== undefined &&
        this.#resumeValue !== undefined &&
        target.firstMessage !== undefined
      ) {
        target.firstMessage = {
          ...target.firstMessage,
          [resume.field]: this.#resumeValue,
        };
      }
      if (
        !transport.supportsHeaders &&
        Object.keys(target.headers).length > 0
      ) {
        this.#log(
          "warn",
          `this WebSocket implementation cannot send headers; dropping ${Object.keys(target.headers).join(", ")}`,
        );
      }
      this.#log("debug", `connecting to ${target.url.replace(/\?.*$/, "")}`);
      ws = transport.open(target.url, target.protocols, target.headers);
    } catch (cause) {
      if (this.#closedByUser) {
        return;
      }
      const message = cause instanceof Error ? cause.message : String(cause);
      this.#emitLifecycle(
        "error",
        new SocketError(`could not connect: ${message}`, undefined, { cause }),
      );
      this.#afterDrop({ code: 1006, reason: message });
      return;
    }
    this.#ws = ws;
    ws.binaryType = "arraybuffer";
    ws.onopen = () => this.#onOpen(ws, target);
    ws.onmessage = (event) => this.#onMessage(event.data);
    ws.onerror = (event) => {
      const detail = (event as { message?: unknown }).message;
      const text = typeof detail === "string" ? detail : "WebSocket error";
      this.#emitLifecycle(
        "error",
        new SocketError(text, undefined, { cause: event }),
      );
    };
    ws.onclose = (event) => {
      if (this.#ws === ws) {
        this.#ws = undefined;
      }
      this.#afterDrop({ code: event.code, reason: event.reason });
    };
  }

  #onOpen(ws: WebSocketLike, target: ConnectionTarget): void {
    this.#attempt = 0;
    if (target.firstMessage !== undefined) {
      ws.send(JSON.stringify(target.firstMessage));
    }
    const queued = this.#queue;
    this.#queue = [];
    for (const data of queued) {
      ws.send(data);
    }
    this.#state = "open";
    this.#log("info", `connected to ${target.url.replace(/\?.*$/, "")}`);
    for (const waiter of this.#openWaiters.splice(0)) {
      waiter.resolve();
    }
    this.#emitLifecycle("open");
  }

  #onMessage(data: unknown): void {
    if (typeof data !== "string") {
      if (data instanceof ArrayBuffer) {
        this.#emitLifecycle("binary", data);
      } else {
        this.#emitLifecycle(
          "error",
          new SocketError("received a frame of an unexpected kind", data),
        );
      }
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      this.#emitLifecycle(
        "error",
        new SocketError("received a message that is not JSON", data),
      );
      return;
    }
    const classified = this.#config.classify(parsed);
    if (classified === undefined) {
      this.#emitLifecycle("unknown", parsed);
      return;
    }
    const message = classified.message as In;
    const resume = this.#config.resume;
    if (resume !== undefined && classified.event === resume.event) {
      const value = (message as Record<string, unknown>)[resume.property];
      if (typeof value === "string") {
        this.#resumeValue = value;
      }
    }
    this.#emit(classified.event, message);
    this.#emitLifecycle("message", message);
    for (const iterator of this.#iterators) {
      iterator.push(message);
    }
  }

  #afterDrop(closed: { code: number; reason: string }): void {
    const options = this.#config.reconnect ?? {};
    const terminal = options.terminalCloseCodes ?? DEFAULT_TERMINAL_CODES;
    const known = this.#config.closeCodes?.[closed.code];
    if (
      !this.#closedByUser &&
      closed.code !== 1000 &&
      known?.reconnect === false
    ) {
      const error = new ServerClosedError(
        closed.code,
        closed.reason,
        known.description,
      );
      this.#log("error", error.message);
      this.#finish({ ...closed, willReconnect: false, error });
      return;
    }
    const retry =
      !this.#closedByUser &&
      options.enabled !== false &&
      closed.code !== 1000 &&
      !terminal.includes(closed.code) &&
      this.#attempt < (options.maxAttempts ?? 10);
    if (!retry) {
      if (!this.#closedByUser && this.#attempt >= (options.maxAttempts ?? 10)) {
        this.#log(
          "error",
          `giving up after ${this.#attempt} reconnect attempt(s)`,
        );
      }
      this.#finish({ ...closed, willReconnect: false });
      return;
    }
    this.#attempt += 1;
    const base = Math.min(
      (options.initialDelayMs ?? 500) *
        (options.multiplier ?? 2) ** (this.#attempt - 1),
      options.maxDelayMs ?? 30_000,
    );
    const jitter = Math.min(Math.max(options.jitter ?? 0.3, 0), 1);
    const delayMs = Math.round(base * (1 - jitter * Math.random()));
    this.#state = "reconnecting";
    this.#log(
      "warn",
      `connection closed (${closed.code}${known?.description === undefined ? "" : `: ${known.description}`}); reconnecting in ${delayMs} ms (attempt ${this.#attempt})`,
    );
    this.#emitLifecycle("close", { ...closed, willReconnect: true });
    this.#emitLifecycle("reconnecting", { attempt: this.#attempt, delayMs });
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#connect();
    }, delayMs);
  }

  #finish(info: CloseInfo): void {
    if (this.#state === "closed") {
      return;
    }
    this.#state = "closed";
    this.#queue = [];
    this.#closedError = info.error;
    for (const waiter of this.#openWaiters.splice(0)) {
      waiter.reject(info.error ?? new SocketClosedError());
    }
    this.#emitLifecycle("close", info);
    for (const iterator of this.#iterators) {
      iterator.end(info.error);
    }
    this.#iterators.clear();
  }
}
