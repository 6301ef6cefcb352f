"""Drives the chat example through its scenario with the `websockets` library: a client
that is not tidings'. Usage: python_client.py ws://HOST:PORT API_KEY. Exits non-zero on
the first thing that is not as the contract says."""

import asyncio
import json
import sys

from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus


async def recv(ws):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout=5))


async def main(base, api_key):
    async with connect(f"{base}/ws/chat/lobby") as ada, connect(f"{base}/ws/chat/lobby") as bob, \
            connect(f"{base}/ws/chat/attic") as eve:
        for ws in (ada, bob, eve):
            await ws.send(json.dumps({"action": "ping"}))
            assert await recv(ws) == {"action": "pong"}
        await ada.send(json.dumps({"action": "chat", "payload": {"message": "hello", "sender": "ada"}}))
        for ws in (ada, bob):
            got = await recv(ws)
            assert got == {"action": "chatNotification", "payload": {"message": "hello", "sender": "ada"}}, got
        try:
            got = await asyncio.wait_for(eve.recv(), timeout=0.3)
            raise AssertionError(f"another room heard the broadcast: {got}")
        except asyncio.TimeoutError:
            pass

        await ada.send("not json")
        error = await recv(ada)
        assert error["action"] == "error" and error["error"]["code"] == "not_json", error
        await ada.send(json.dumps({"action": "chat", "payload": {"message": ""}}))
        error = await recv(ada)
        assert error["error"]["pointer"] == "/payload/message", error

        async with connect(f"{base}/ws/announcements?api_key={api_key}") as operator:
            await operator.send(json.dumps({"action": "announce", "text": "maintenance at noon"}))
            announced = await recv(operator)
            assert announced == {"action": "announced", "rooms": 2}, announced
        for ws in (ada, bob, eve):
            event = await recv(ws)
            assert event == {"action": "roomEvent", "payload": {"event": "maintenance at noon"}}, event

    async with connect(f"{base}/ws/register") as client:
        await client.send(json.dumps({"action": "register", "request_id": "py-1", "name": "guido"}))
        reply = await recv(client)
        assert reply["action"] == "registrationComplete" and reply["request_id"] == "py-1", reply
        assert reply["user_id"] >= 1

    for path, status in (("/ws/announcements", 401), ("/ws/announcements?api_key=wrong", 403), ("/nowhere", 404)):
        try:
            async with connect(f"{base}{path}"):
                raise AssertionError(f"{path} opened")
        except InvalidStatus as refused:
            assert refused.response.status_code == status, (path, refused.response.status_code)
    print("python client: the chat scenario passed")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
