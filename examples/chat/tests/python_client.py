"""Drives the chat example through its scenario with the `websockets` library: a client
that is not tidings'. Usage: python_client.py ws://HOST:PORT API_KEY, against a server with
its default users (ada:ada-token, bob:bob-token) and private room (staff, for ada). Exits
non-zero on the first thing that is not as the contract says."""

import asyncio
import json
import sys

from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus


async def recv(ws):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout=5))


async def main(base, api_key):
    async with connect(f"{base}/ws/chat/lobby?token=ada-token") as ada, \
            connect(f"{base}/ws/chat/lobby?token=bob-token") as bob, \
            connect(f"{base}/ws/chat/attic?token=bob-token") as eve, \
            connect(f"{base}/ws/chat/staff?token=ada-token") as staff:
        for ws in (ada, bob, eve, staff):
            await ws.send(json.dumps({"action": "ping"}))
            assert await recv(ws) == {"action": "pong"}
        # Whatever the client claims, the server signs with the token's user.
        await ada.send(json.dumps({"action": "chat", "payload": {"message": "hello", "sender": "mallory"}}))
        for ws in (ada, bob):
            got = await recv(ws)
            assert got == {"action": "chatNotification", "payload": {"message": "hello", "sender": "ada"}}, got
        try:
            got = await asyncio.wait_for(eve.recv(), timeout=0.3)
            raise AssertionError(f"another room heard the broadcast: {got}")
        except asyncio.TimeoutError:
            pass
        # A mention reaches every connection of bob's (lobby and attic), and nobody else.
        await ada.send(json.dumps({"action": "chat", "payload": {"message": "lunch, @bob?"}}))
        assert (await recv(ada))["payload"]["message"] == "lunch, @bob?"
        said = await recv(bob)
        assert said["action"] == "chatNotification", said
        # Each of bob's connections words the mention for itself.
        for ws, where in ((bob, "here"), (eve, "in lobby")):
            event = await recv(ws)
            assert event == {"action": "roomEvent", "payload": {"event": f"ada mentioned you {where}"}}, event
        for ws in (ada, staff):
            await ws.send(json.dumps({"action": "ping"}))
            assert await recv(ws) == {"action": "pong"}, "only bob was mentioned"

        await ada.send("not json")
        error = await recv(ada)
        assert error["action"] == "error" and error["error"]["code"] == "not_json", error
        await ada.send(json.dumps({"action": "chat", "payload": {"message": ""}}))
        error = await recv(ada)
        assert error["error"]["pointer"] == "/payload/message", error

        async with connect(f"{base}/ws/announcements?api_key={api_key}") as operator:
            await operator.send(json.dumps({"action": "announce", "text": "maintenance at noon"}))
            announced = await recv(operator)
            assert announced == {"action": "announced", "rooms": 3}, announced
        for ws in (ada, bob, eve, staff):
            event = await recv(ws)
            assert event == {"action": "roomEvent", "payload": {"event": "maintenance at noon"}}, event

    async with connect(f"{base}/ws/register") as client:
        await client.send(json.dumps({"action": "register", "request_id": "py-1", "name": "guido"}))
        reply = await recv(client)
        assert reply["action"] == "registrationComplete" and reply["request_id"] == "py-1", reply
        assert reply["user_id"] >= 1

    refusals = (
        ("/ws/chat/lobby", 401),
        ("/ws/chat/lobby?token=forged", 401),
        ("/ws/chat/staff?token=bob-token", 403),
        ("/ws/announcements", 401),
        ("/ws/announcements?api_key=wrong", 403),
        ("/nowhere", 404),
    )
    for path, status in refusals:
        try:
            async with connect(f"{base}{path}"):
                raise AssertionError(f"{path} opened")
        except InvalidStatus as refused:
            assert refused.response.status_code == status, (path, refused.response.status_code)
    print("python client: the chat scenario passed")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
