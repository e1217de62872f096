import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Redis } from 'ioredis';
import { createRedis, PubSubHub } from '../../src/redis/index.js';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.js';

it('a hub listening while its connection is still connecting receives what is published', async () => {
  const url = await testRedisUrl();
  const publisher = new Redis(url);
  try {
    // The race with ioredis's connect handshake (redis/ioredis#2037) does not happen every time.
    for (let i = 0; i < 30; i++) {
      const channel = uniquePrefix('pubsub');
      const sub = createRedis(url, 'subscriber');
      const hub = new PubSubHub(sub);
      try {
        // Half the attempts listen at once, half as the socket connects (mid-handshake).
        const got = new Promise<string>((resolve) => {
          if (i % 2 === 0) void hub.on(channel, resolve);
          else sub.once('connect', () => void hub.on(channel, resolve));
        });
        // Subscribed once `on` resolves; publish until the message is seen or 2 s pass.
        let message: string | undefined;
        void got.then((m) => (message = m));
        const deadline = Date.now() + 2000;
        while (message === undefined && Date.now() < deadline) {
          await publisher.publish(channel, `hello ${i}`);
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.equal(message, `hello ${i}`, `attempt ${i}: nothing received`);
      } finally {
        await hub.close();
      }
    }
  } finally {
    await publisher.quit();
  }
});
