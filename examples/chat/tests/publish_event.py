"""Publishes server events to the chat example's processes as a service in another language
would: with redis-py, in the format docs/REDIS.md documents, never through tidings.
Usage: publish_event.py REDIS_URL TEXT. Publishes a notice to everyone on the chat channel
and a mention to every connection of ada's."""

import json
import struct
import sys

import redis


def event_envelope(event: dict) -> bytes:
    header = struct.pack(">BcQQ", 1, b"e", 0, 0)  # version, kind, origin, target
    return header + json.dumps(event).encode()


def main(url, text):
    r = redis.Redis.from_url(url)
    r.publish("tidings:g:chat\x1f\x1eall", event_envelope({"event": "notice", "text": text}))
    r.publish("tidings:g:chat\x1f\x1eprincipal\x1eada", event_envelope({"event": "mention", "by": "billing", "room": "lobby"}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
