"""Drives the code-first example through its scenario with the `websockets` library: a
client that is not tidings', reading and writing the frames as they travel. Usage:
python_client.py ws://HOST:PORT API_KEY. Exits non-zero on the first thing that is not as the
served document says."""

import asyncio
import json
import sys

from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus


async def recv(ws):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout=5))


async def silent(ws):
    try:
        got = await asyncio.wait_for(ws.recv(), timeout=0.3)
        raise AssertionError(f"an unexpected frame: {got}")
    except asyncio.TimeoutError:
        pass


async def main(base, api_key):
    async with connect(f"{base}/ws/chat/lobby") as ada, \
            connect(f"{base}/ws/chat/lobby") as bob, \
            connect(f"{base}/ws/chat/attic") as eve:
        for ws in (ada, bob, eve):
            await ws.send(json.dumps({"action": "ping"}))
            assert await recv(ws) == {"action": "pong"}
        # The discriminator need not come first, and unknown members are ignored where the
        # type allows them.
        await ada.send(json.dumps({"note": "ignored", "action": "ping"}))
        assert await recv(ada) == {"action": "pong"}

        said = {"message": "look", "attachment": {"kind": "link", "href": "https://example.com", "title": "ex"}}
        await ada.send(json.dumps({"payload": said, "action": "chat"}))
        for ws in (ada, bob):
            got = await recv(ws)
            assert got == {"action": "chatNotification", "payload": said, "room": "lobby"}, got
        await silent(eve)

        # Bad frames get error frames; the connection lives on.
        await ada.send("not json")
        error = await recv(ada)
        assert error["action"] == "error" and error["error"]["code"] == "not_json", error
        await ada.send(json.dumps({"action": "shout"}))
        error = await recv(ada)
        assert error["error"]["code"] == "unknown_message", error
        await ada.send(json.dumps({"action": "chat", "payload": {"message": ""}}))
        error = await recv(ada)
        assert error["error"]["code"] == "invalid_message" and error["error"]["pointer"] == "/payload/message", error
        # `deny_unknown_fields` on the payload type: additionalProperties false.
        await ada.send(json.dumps({"action": "chat", "payload": {"message": "hi", "sender": "mallory"}}))
        error = await recv(ada)
        assert error["error"]["code"] == "invalid_message", error
        await ada.send(json.dumps({"action": "chat", "payload": {"message": "hi", "attachment": {"kind": "video"}}}))
        error = await recv(ada)
        assert error["error"]["code"] == "invalid_message", error
        await ada.send(json.dumps({"action": "ping"}))
        assert await recv(ada) == {"action": "pong"}

        async with connect(f"{base}/ws/admin?api_key={api_key}") as operator:
            await operator.send(json.dumps({"action": "announce", "text": "maintenance at noon"}))
            assert await recv(operator) == {"action": "announced", "connections": 3}
        for ws in (ada, bob, eve):
            event = await recv(ws)
            assert event == {"action": "notification", "text": "announcement: maintenance at noon"}, event

    # camelCase on the wire, as in the document.
    async with connect(f"{base}/ws/register") as client:
        await client.send(json.dumps({"action": "register", "firstName": "Guido", "lastName": "van Rossum"}))
        reply = await recv(client)
        expected = {"action": "registered", "user": {"firstName": "Guido", "lastName": "van Rossum", "userId": 1}}
        assert reply == expected, reply
        await client.send(json.dumps({"action": "register", "first_name": "Guido", "last_name": "van Rossum"}))
        error = await recv(client)
        assert error["error"]["code"] == "invalid_message", error

    refusals = (
        ("/ws/admin", 401),
        ("/ws/admin?api_key=wrong", 403),
        ("/nowhere", 404),
    )
    for path, status in refusals:
        try:
            async with connect(f"{base}{path}"):
                raise AssertionError(f"{path} opened")
        except InvalidStatus as refused:
            assert refused.response.status_code == status, (path, refused.response.status_code)
    print("python client: the code-first scenario passed")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
