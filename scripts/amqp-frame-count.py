#!/usr/bin/env python3
"""Count what crosses the wire between AMQP 0-9-1 clients and RabbitMQ (issue 17, session 19).

Usage:
    python3 scripts/amqp-frame-count.py LISTEN_PORT UPSTREAM_PORT OUT.json &   # a proxy on 127.0.0.1:LISTEN_PORT
    smime bench pipeline --rabbitmq amqp://guest:guest@127.0.0.1:LISTEN_PORT/ ...    # (or bench guarantees)
    kill -INT %1                                                                    # writes OUT.json

Every connection through the proxy is parsed frame by frame in both directions: methods by name (basic.publish,
basic.deliver, basic.ack, confirm.select, basic.qos, channel.open, exchange.declare, ...), content headers (their size
and, for the headers table, each key's count and bytes), body bytes, heartbeats. The counts do not depend on the
machine's load (CPU figures move +-40 % with it here); divide them by the mails the run moved. The proxy costs CPU:
never take CPU figures from a run through it.
"""
import asyncio
import collections
import json
import signal
import struct
import sys

METHODS = {
    (10, 10): 'connection.start', (10, 11): 'connection.start-ok', (10, 30): 'connection.tune', (10, 31): 'connection.tune-ok',
    (10, 40): 'connection.open', (10, 41): 'connection.open-ok', (10, 50): 'connection.close', (10, 51): 'connection.close-ok',
    (10, 60): 'connection.blocked', (10, 61): 'connection.unblocked',
    (20, 10): 'channel.open', (20, 11): 'channel.open-ok', (20, 20): 'channel.flow', (20, 21): 'channel.flow-ok',
    (20, 40): 'channel.close', (20, 41): 'channel.close-ok',
    (40, 10): 'exchange.declare', (40, 11): 'exchange.declare-ok', (40, 30): 'exchange.bind', (40, 31): 'exchange.bind-ok',
    (40, 40): 'exchange.unbind', (40, 51): 'exchange.unbind-ok', (40, 20): 'exchange.delete', (40, 21): 'exchange.delete-ok',
    (50, 10): 'queue.declare', (50, 11): 'queue.declare-ok', (50, 20): 'queue.bind', (50, 21): 'queue.bind-ok',
    (50, 50): 'queue.unbind', (50, 51): 'queue.unbind-ok', (50, 30): 'queue.purge', (50, 40): 'queue.delete', (50, 41): 'queue.delete-ok',
    (60, 10): 'basic.qos', (60, 11): 'basic.qos-ok', (60, 20): 'basic.consume', (60, 21): 'basic.consume-ok',
    (60, 30): 'basic.cancel', (60, 31): 'basic.cancel-ok', (60, 40): 'basic.publish', (60, 50): 'basic.return',
    (60, 60): 'basic.deliver', (60, 70): 'basic.get', (60, 71): 'basic.get-ok', (60, 72): 'basic.get-empty',
    (60, 80): 'basic.ack', (60, 90): 'basic.reject', (60, 110): 'basic.recover', (60, 120): 'basic.nack',
    (85, 10): 'confirm.select', (85, 11): 'confirm.select-ok', (90, 10): 'tx.select',
}

# Content-header property flags, in order (bit 15 first).
PROPERTIES = ['content-type', 'content-encoding', 'headers', 'delivery-mode', 'priority', 'correlation-id', 'reply-to',
              'expiration', 'message-id', 'timestamp', 'type', 'user-id', 'app-id', 'cluster-id']


class Counts:
    def __init__(self):
        self.c = {'client': collections.Counter(), 'broker': collections.Counter()}
        self.header_keys = collections.Counter()
        self.header_key_bytes = collections.Counter()
        self.properties = collections.Counter()
        self.exchanges = collections.Counter()
        self.multiple_acks = {'client': collections.Counter(), 'broker': collections.Counter()}

    def to_json(self):
        return {'client_to_broker': dict(self.c['client']), 'broker_to_client': dict(self.c['broker']),
                'publish_exchange': dict(self.exchanges), 'content_properties': dict(self.properties),
                'header_keys': dict(self.header_keys), 'header_key_bytes': dict(self.header_key_bytes),
                'acks_multiple': {k: dict(v) for k, v in self.multiple_acks.items()}}


COUNTS = Counts()


def shortstr(buf, pos):
    n = buf[pos]
    return buf[pos + 1:pos + 1 + n].decode('utf-8', 'replace'), pos + 1 + n


def field_value_size(buf, pos):
    """Returns the position after the field value starting at pos (its type byte)."""
    t = chr(buf[pos]); pos += 1
    fixed = {'t': 1, 'b': 1, 'B': 1, 's': 2, 'u': 2, 'I': 4, 'i': 4, 'l': 8, 'L': 8, 'f': 4, 'd': 8, 'D': 5, 'T': 8, 'V': 0}
    if t in fixed:
        return pos + fixed[t]
    if t in 'SxF' or t == 'A':
        n = struct.unpack_from('>I', buf, pos)[0]
        return pos + 4 + n
    raise ValueError(f'field type {t!r}')


def read_headers(buf, pos):
    n = struct.unpack_from('>I', buf, pos)[0]
    end = pos + 4 + n
    p = pos + 4
    while p < end:
        start = p
        key, p = shortstr(buf, p)
        p = field_value_size(buf, p)
        COUNTS.header_keys[key] += 1
        COUNTS.header_key_bytes[key] += p - start
    return end


def content_header(side, payload):
    c = COUNTS.c[side]
    c['content_header_frames'] += 1
    c['content_header_bytes'] += len(payload)
    body_size = struct.unpack_from('>Q', payload, 4)[0]
    c['body_bytes_declared'] += body_size
    flags = struct.unpack_from('>H', payload, 12)[0]
    pos = 14
    for i, name in enumerate(PROPERTIES):
        if not flags & (1 << (15 - i)):
            continue
        COUNTS.properties[f'{side}:{name}'] += 1
        if name in ('content-type', 'content-encoding', 'correlation-id', 'reply-to', 'expiration', 'message-id', 'type', 'user-id', 'app-id', 'cluster-id'):
            _, pos = shortstr(payload, pos)
        elif name == 'headers':
            start = pos
            pos = read_headers(payload, pos)
            c['headers_table_bytes'] += pos - start
        elif name in ('delivery-mode', 'priority'):
            pos += 1
        elif name == 'timestamp':
            pos += 8


def frame(side, ftype, payload):
    c = COUNTS.c[side]
    c['frames'] += 1
    c['frame_bytes'] += len(payload) + 8
    if ftype == 1:
        cls, meth = struct.unpack_from('>HH', payload, 0)
        name = METHODS.get((cls, meth), f'{cls}.{meth}')
        c[name] += 1
        if name == 'basic.publish':
            exchange, _ = shortstr(payload, 6)
            COUNTS.exchanges[exchange] += 1
        elif name in ('basic.ack', 'basic.nack'):
            multiple = payload[12] & 1
            COUNTS.multiple_acks[side]['multiple' if multiple else 'single'] += 1
    elif ftype == 2:
        content_header(side, payload)
    elif ftype == 3:
        c['body_frames'] += 1
        c['body_bytes'] += len(payload)
    elif ftype == 8:
        c['heartbeats'] += 1


async def pump(reader, writer, side):
    buf = bytearray()
    protocol_header = side == 'client'
    try:
        while True:
            data = await reader.read(1 << 16)
            if not data:
                break
            writer.write(data)
            buf += data
            if protocol_header and len(buf) >= 8:
                del buf[:8]
                protocol_header = False
            while len(buf) >= 7:
                ftype, _, size = struct.unpack_from('>BHI', buf, 0)
                if len(buf) < size + 8:
                    break
                frame(side, ftype, bytes(buf[7:7 + size]))
                del buf[:size + 8]
            await writer.drain()
    except (ConnectionResetError, BrokenPipeError):
        pass
    finally:
        writer.close()


async def main():
    listen, upstream, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    connections = collections.Counter()

    async def handle(client_reader, client_writer):
        connections['connections'] += 1
        broker_reader, broker_writer = await asyncio.open_connection('127.0.0.1', upstream)
        await asyncio.gather(pump(client_reader, broker_writer, 'client'), pump(broker_reader, client_writer, 'broker'))

    server = await asyncio.start_server(handle, '127.0.0.1', listen)
    stop = asyncio.Event()
    for s in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(s, stop.set)
    async with server:
        await stop.wait()
    result = COUNTS.to_json()
    result['connections'] = connections['connections']
    with open(out, 'w') as f:
        json.dump(result, f, indent=1, sort_keys=True)


if __name__ == '__main__':
    asyncio.run(main())
