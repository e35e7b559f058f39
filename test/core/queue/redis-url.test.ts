import test from 'ava';
import { ConfigError } from '../../../core/errors.ts';
import { parseRedisUrl } from '../../../core/queue/redis-url.ts';
import { queueSettings, QUEUE_DEFAULTS } from '../../../core/queue/settings.ts';

test('redis:// with defaults: port 6379, db 0, no credentials, BullMQ-ready options', (t) => {
  const a = parseRedisUrl('redis://cache.lan');
  t.is(a.display, 'redis://cache.lan:6379/0');
  t.deepEqual(a.options, { host: 'cache.lan', port: 6379, db: 0, maxRetriesPerRequest: null });
  t.false(a.tls);
});

test('credentials, port and db are parsed; the display form hides user and password', (t) => {
  const a = parseRedisUrl('redis://alice:p%40ss%3Aword@10.0.0.5:6390/3');
  t.is(a.display, 'redis://***@10.0.0.5:6390/3');
  t.like(a.options, { host: '10.0.0.5', port: 6390, db: 3, username: 'alice', password: 'p@ss:word' });
  const onlyPassword = parseRedisUrl('redis://:hunter2@h/1');
  t.is(onlyPassword.display, 'redis://***@h:6379/1');
  t.is(onlyPassword.options.password, 'hunter2');
  t.is(onlyPassword.options.username, undefined);
});

test('rediss:// turns TLS on with the host as server name; IPv6 hosts keep their brackets in the display', (t) => {
  const a = parseRedisUrl('rediss://u:pw@redis.example.com:6380/0');
  t.true(a.tls);
  t.deepEqual(a.options.tls, { servername: 'redis.example.com' });
  t.is(a.display, 'rediss://***@redis.example.com:6380/0');
  const v6 = parseRedisUrl('redis://[::1]:6391');
  t.is(v6.options.host, '::1');
  t.is(v6.display, 'redis://[::1]:6391/0');
});

test('malformed URLs are ConfigErrors naming the flag, and never echo the password', (t) => {
  const cases: [string, RegExp][] = [
    ['http://h:1', /--queue has scheme 'http'/],
    ['redis://h:1/x', /--queue has path '\/x': the path may only be a database number/],
    ['redis://h/1?tls=true', /--queue has a query or fragment/],
    ['redis://u:secret@h:99999', /--queue is not a URL/],
    ['not a url secret', /--queue is not a URL/],
    ['redis://u:sec%ZZret@h', /badly percent-encoded/],
  ];
  for (const [raw, message] of cases) {
    const e = t.throws(() => parseRedisUrl(raw), { instanceOf: ConfigError });
    t.regex(e!.message, message);
    t.is((e as ConfigError).path, '--queue');
    t.notRegex(e!.message, /secret|sec%ZZret/);
  }
});

test('queue settings: defaults, overrides, and ConfigErrors naming the variable', (t) => {
  t.deepEqual(queueSettings({}), QUEUE_DEFAULTS);
  t.deepEqual(queueSettings({ ODELAB_QUEUE_PREFIX: 'team-a', ODELAB_QUEUE_LOCK_MS: '5000', ODELAB_QUEUE_STALLED_MS: '1000', ODELAB_QUEUE_MAX_STALLED: '0' }), { prefix: 'team-a', lockMs: 5000, stalledMs: 1000, maxStalled: 0 });
  t.throws(() => queueSettings({ ODELAB_QUEUE_PREFIX: 'a:b' }), { message: /ODELAB_QUEUE_PREFIX must be 1 to 64 letters/ });
  t.throws(() => queueSettings({ ODELAB_QUEUE_STALLED_MS: '1.5' }), { message: /ODELAB_QUEUE_STALLED_MS must be an integer ≥ 500, got '1.5'/ });
  t.throws(() => queueSettings({ ODELAB_QUEUE_MAX_STALLED: '-1' }), { instanceOf: ConfigError });
});
