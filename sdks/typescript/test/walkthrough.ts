/**
 * The README's walkthrough, as code the live tests run: the lines between the markers
 * are the README's code block, character for character (a test compares them), so the
 * README cannot drift from what works. `url` and `secret` are what the README says.
 */

import { DuplexConnectorClient } from "../src/index.js";

export async function walkthrough(url: string, secret: string): Promise<void> {
  // walkthrough:start
  // 1. Connect with a secret. It is sent as the first message on every (re)connect.
  const client = new DuplexConnectorClient({ baseUrl: url, secret });
  const socket = client.chat.connect();

  // 2. The session id and the agents.
  const connected = await socket.waitFor("connected");
  console.log("session", connected.session_id, "agents", connected.agents);

  // 3. A message with context (`type` is filled in).
  socket.sendMessage({
    id: "msg-1",
    payload: {
      message: "What is the weather like today?",
      context: { location: "New York" },
    },
  });

  // 4. Stream chunks until `stream_end`, and 5. read the token usage.
  for await (const event of socket.until(
    (e) => e.type === "stream_end" && e.id === "msg-1",
  )) {
    if (event.type === "stream_chunk") console.log("chunk", event.chunk);
    if (event.type === "stream_end")
      console.log("tokens", event.token_usage.total_tokens);
  }

  // 6. Cancel a reply once it has started.
  socket.sendMessage({
    id: "msg-2",
    payload: { message: "tell me a long story ".repeat(20) },
  });
  await socket.waitFor("streamChunk", (chunk) => chunk.id === "msg-2");
  socket.sendCancel({ id: "msg-2" });
  const cancelled = await socket.waitFor(
    "streamEnd",
    (end) => end.id === "msg-2",
  );
  console.log("status", cancelled.status);

  // 7. Resume. A dropped connection resumes by itself; a new socket (say after a
  //    restart) resumes when given the session id.
  socket.close();
  const again = client.chat.connect({ sessionId: connected.session_id });
  const resumed = await again.waitFor("connected");
  console.log(
    "resumed",
    resumed.resumed,
    resumed.session_id === connected.session_id,
  );
  again.close();
  // walkthrough:end
}
