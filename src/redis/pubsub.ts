import type { Redis } from 'ioredis';
import type { Logger } from '../log/index.js';

type Listener = (message: string) => void;

/**
 * One Redis subscriber connection shared by every listener in the process. Channels are
 * subscribed while they have listeners; `onReconnect` listeners run after a lost connection
 * comes back (messages sent meanwhile were missed, so state must be re-read).
 */
export class PubSubHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly subscribed = new Map<string, Promise<unknown>>();
  private readonly reconnectListeners = new Set<() => void>();
  private wasReady = false;

  constructor(
    private readonly sub: Redis,
    private readonly log?: Logger,
  ) {
    sub.on('message', (channel: string, message: string) => {
      for (const fn of this.listeners.get(channel) ?? []) {
        try {
          fn(message);
        } catch (err) {
          this.log?.error({ err, channel }, 'pub/sub listener failed');
        }
      }
    });
    sub.on('ready', () => {
      // ioredis re-subscribes by itself (autoResubscribe); we only have to re-read state.
      if (this.wasReady) for (const fn of this.reconnectListeners) fn();
      this.wasReady = true;
    });
    if (sub.status === 'ready') this.wasReady = true;
  }

  /** Listens on `channel`; resolves once subscribed, to a function that stops listening. */
  async on(channel: string, fn: Listener): Promise<() => Promise<void>> {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
    }
    set.add(fn);
    let pending = this.subscribed.get(channel);
    if (!pending) {
      // Only once the connection is ready: a SUBSCRIBE queued while connecting can reach Redis
      // between ioredis's own handshake commands, which Redis then refuses in subscriber mode and
      // the subscription is lost (redis/ioredis#2037; seen when API processes start together).
      pending = this.whenReady().then(() => this.sub.subscribe(channel));
      this.subscribed.set(channel, pending);
    }
    await pending;
    return async () => {
      const s = this.listeners.get(channel);
      if (!s?.delete(fn)) return;
      if (s.size === 0) {
        this.listeners.delete(channel);
        this.subscribed.delete(channel);
        await this.sub.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  private whenReady(): Promise<void> {
    if (this.sub.status === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onReady = () => {
        this.sub.off('end', onEnd);
        resolve();
      };
      const onEnd = () => {
        this.sub.off('ready', onReady);
        reject(new Error('the Redis subscriber connection was closed'));
      };
      this.sub.once('ready', onReady);
      this.sub.once('end', onEnd);
    });
  }

  /** Calls `fn` after every reconnect; returns a function that stops it. */
  onReconnect(fn: () => void): () => void {
    this.reconnectListeners.add(fn);
    return () => this.reconnectListeners.delete(fn);
  }

  /** Closes the subscriber connection. */
  async close(): Promise<void> {
    this.listeners.clear();
    this.reconnectListeners.clear();
    await this.sub.quit().catch(() => this.sub.disconnect());
  }
}
