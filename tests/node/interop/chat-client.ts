// A typed client of the chat example, on the models Modelina generated from the served
// document (./models). `tsc --strict` checks every frame built and every field read against
// them; at run time each frame received is checked against the model its `action` names.
import type { Chat } from './models/Chat';
import type { Ping } from './models/Ping';
import type { Pong } from './models/Pong';
import type { ChatNotification } from './models/ChatNotification';
import type { RoomEvent } from './models/RoomEvent';
import type { ErrorFrame } from './models/ErrorFrame';

/** What the server sends on a chat connection. */
type Incoming = ChatNotification | RoomEvent | Pong | ErrorFrame;

/** A frame's text read as one of the models, or an error naming what does not fit. */
function read(text: string): Incoming {
  const frame: unknown = JSON.parse(text);
  const has = (value: unknown, key: string, type: string): boolean =>
    typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)[key] === type;
  if (!has(frame, 'action', 'string')) throw new Error(`no action: ${text}`);
  const incoming = frame as Incoming;
  switch (incoming.action) {
    case 'chatNotification':
      if (!has(incoming.payload, 'message', 'string')) throw new Error(`not a ChatNotification: ${text}`);
      if (incoming.payload.sender !== undefined && typeof incoming.payload.sender !== 'string')
        throw new Error(`sender is not a string: ${text}`);
      return incoming;
    case 'roomEvent':
      if (!has(incoming.payload, 'event', 'string')) throw new Error(`not a RoomEvent: ${text}`);
      return incoming;
    case 'pong':
      return incoming;
    case 'error':
      if (!has(incoming.error, 'code', 'string') || !has(incoming.error, 'message', 'string'))
        throw new Error(`not an ErrorFrame: ${text}`);
      return incoming;
    default:
      throw new Error(`an action no model has: ${text}`);
  }
}

/** A socket whose frames are read in order. */
async function open(url: string): Promise<{ send: (frame: Chat | Ping) => void; next: () => Promise<Incoming> }> {
  const socket = new WebSocket(url);
  const queue: Incoming[] = [];
  const waiting: Array<(frame: Incoming) => void> = [];
  let failure: Error | null = null;
  socket.onmessage = (event: MessageEvent) => {
    try {
      const frame = read(String(event.data));
      const waiter = waiting.shift();
      if (waiter) waiter(frame);
      else queue.push(frame);
    } catch (error) {
      failure = error as Error;
    }
  };
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error(`cannot connect to ${url}`));
  });
  return {
    send: (frame) => socket.send(JSON.stringify(frame)),
    next: () =>
      new Promise<Incoming>((resolve, reject) => {
        if (failure) return reject(failure);
        const queued = queue.shift();
        if (queued) return resolve(queued);
        const timer = setTimeout(() => reject(failure ?? new Error(`no frame within 5 s on ${url}`)), 5000);
        waiting.push((frame) => {
          clearTimeout(timer);
          resolve(frame);
        });
      }),
  };
}

/** Sends `ping` and `chat` as ada, and returns what ada and bob received, in order. */
export async function run(base: string): Promise<Incoming[]> {
  const ada = await open(`${base}/ws/chat/lobby?token=ada-token`);
  const bob = await open(`${base}/ws/chat/lobby?token=bob-token`);
  const received: Incoming[] = [];
  const ping: Ping = { action: 'ping' };
  ada.send(ping);
  received.push(await ada.next());
  const chat: Chat = { action: 'chat', payload: { message: 'hello from the browser' } };
  ada.send(chat);
  received.push(await ada.next());
  received.push(await bob.next());
  return received;
}
